"""The page the handler answers a form with mistakes with, when the browser runs no script:
the site's own layout, every mistake named and linked, what was typed kept, and a form that
posts back to the handler wherever it is mounted."""

from html.parser import HTMLParser

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from forms.app import HandlerSettings, create_app
from forms.inbox import LocalInbox


class Links(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.forms, self.hrefs, self.navs, self.footers = [], [], 0, 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.forms += [attrs["action"]] if tag == "form" else []
        self.hrefs += [attrs["href"]] if tag == "a" and "href" in attrs else []
        self.navs += tag == "nav"
        self.footers += tag == "footer"


def client(tmp_path, prefix: str) -> Client:
    handler = create_app(HandlerSettings(storage=LocalInbox(tmp_path / "inbox"), rate_per_minute=0))
    return Client(DispatcherMiddleware(lambda environ, start: [], {prefix: handler}))


def test_the_error_page_posts_back_where_the_handler_is_mounted(tmp_path):
    for prefix in ("/api/forms", "/deep/under/a/gateway"):
        answer = client(tmp_path, prefix).post(
            f"{prefix}/class-note?lang=en", data={"title": "x"}, headers={"Accept": "text/html"}
        )
        assert answer.status_code == 422
        assert Links(answer.text).forms == [f"{prefix}/class-note?lang=en"]


def test_the_error_page_has_the_sites_menu_and_footer(tmp_path):
    page = Links(
        client(tmp_path, "/api/forms")
        .post("/api/forms/contact", data={"name": ""}, headers={"Accept": "text/html"})
        .text
    )
    assert page.navs == 1 and page.footers == 1
    assert "#text-large" in page.hrefs  # the larger-text switch, as on every page of the site
    assert {
        "/news/",
        "/projects/",
        "/search/",
        "/privacy/",
        "/en/forms/contact/",
        "/feeds/all.atom.xml",
    } <= set(page.hrefs)


def test_the_summary_names_every_field_in_error_and_links_to_it(tmp_path):
    answer = client(tmp_path, "/api/forms").post(
        "/api/forms/class-note", data={"class_year": "86", "title": "返校"}, headers={"Accept": "text/html"}
    )
    summary = answer.text.split('id="form-errors"')[1].split("</div>")[0]
    assert [line.split('">')[1].split("<")[0] for line in summary.split("<li>")[1:]] == [
        "年级：请写四位年份，如 1998 / Write a four-digit year, like 1998", "院系：请填写此项 / Please fill this in",
        "署名：请填写此项 / Please fill this in", "内容：请填写此项 / Please fill this in",
        "联系邮箱：请填写此项 / Please fill this in",
        "同意条款：请阅读隐私政策并勾选同意 / Please read the privacy policy and tick to agree",
    ]  # fmt: skip
    assert [h for h in Links(summary).hrefs] == [
        "#f-class_year",
        "#f-college",
        "#f-author",
        "#f-body",
        "#f-email",
        "#f-consent",
    ]
    assert 'id="f-title" name="title"' in answer.text and 'value="返校"' in answer.text  # kept


def test_each_error_is_in_both_languages_the_pages_own_first(tmp_path):
    zh, en = (
        "邮箱地址格式不对，请写成 name@example.com 的形式",
        "Not an e-mail address; write it like name@example.com",
    )
    for path, first, second in (("/api/forms/contact", zh, en), ("/api/forms/contact?lang=en", en, zh)):
        page = (
            client(tmp_path, "/api/forms")
            .post(
                path, data={"name": "林", "email": "lin@", "consent": "yes"}, headers={"Accept": "text/html"}
            )
            .text
        )
        assert page.count(f"{first} / {second}") == 2  # in the summary and beside the field


def test_a_site_without_an_english_edition_answers_lang_en_in_its_own_language(tmp_path):
    """?lang=en, as a form page of another site's English edition sends it, was a 500 (a missing
    edition) on a site whose SITE_NAMES has only its own language."""
    handler = create_app(HandlerSettings(storage=LocalInbox(tmp_path / "inbox"), rate_per_minute=0,
                                         site_names={"zh": "示例大学校友总会"}))  # fmt: skip
    answer = Client(handler).post(
        "/api/forms/class-note?lang=en", data={"title": "x"}, headers={"Accept": "text/html"}
    )
    assert answer.status_code == 422 and 'lang="zh-CN"' in answer.text
