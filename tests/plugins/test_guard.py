"""The guard: a build that would publish personal data stops, naming the file and the field."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.problems import ProblemsFound
from plugins import guard
from plugins.guard import leaks, mask
from tests.support import build_repo

REGISTER = "id,name,mobile,email,address,birth_date\nr1,周小梅,13911112222,zhou@example.com,示例市学府路88号3栋201室,1980-05-01\n"


def problems(repo) -> list:
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    return found.value.problems


def news(text: str) -> dict:
    return {"news/a.md": f"Title: 甲\nDate: 2026-01-01\nSlug: a\n\n{text}\n"}


def test_a_mobile_number_in_an_article_stops_the_build(make_repo):
    repo = make_repo(news("请致电 13912345678 联系。"))
    [problem] = problems(repo)
    assert problem.sentence() == (
        "output/news/a.html: “139****5678”含有手机号码（另有 2 个页面），不能公开发布；请从内容或数据中删除，如是公开的办公联系方式，请加入 PUBLIC_CONTACTS "
        "/ holds a mobile number (and 2 other pages), which must not be published; remove it, or add an office contact to PUBLIC_CONTACTS"
    )
    assert not (repo / "output").exists()


def test_a_register_address_is_named_with_its_source(make_repo):
    repo = make_repo(news("校友住在示例市学府路88号3栋201室。"), data={"data/private/register.csv": REGISTER})
    [problem] = problems(repo)
    assert (problem.file, problem.field, problem.value) == (
        "output/news/a.html",
        "address",
        "示例市********201室",
    )
    assert "来自 private/register.csv address" in problem.zh


def test_an_inbox_email_is_caught_and_masked(make_repo):
    inbox = "id,received,form_version,name,email,subject,message,consent\nx,2026-01-01,1,王,wang.private@example.com,s,m,yes\n"
    repo = make_repo(news("联系 wang.private@example.com"), data={"data/inbox/contact-v1.csv": inbox})
    [problem] = problems(repo)
    assert (problem.field, problem.value) == ("email", "w***@example.com")


def test_office_contacts_and_private_files_that_stay_private_pass(make_repo):
    repo = make_repo(news("写信给 alumni@alumni.example.org。"), data={"data/private/register.csv": REGISTER})
    build_repo(repo)
    published = "".join(p.read_text(encoding="utf-8") for p in (repo / "output").rglob("*.html"))
    assert "alumni@alumni.example.org" in published and "13911112222" not in published


def test_masks_keep_too_little_to_use():
    assert mask("13911112222") == "139****2222"
    assert mask("zhou@example.com") == "z***@example.com"


@pytest.mark.parametrize(
    "text",
    [
        "请拨打 +86 139 1234 5678。",
        "电话0086-139-1234-5678",
        "手机：139-1234-5678",
        "微信同号13912345678，欢迎联系",
    ],
)
def test_a_mobile_is_found_however_it_is_written(tmp_path, text):
    (tmp_path / "a.html").write_text(f"<p>{text}</p>", encoding="utf-8")
    [problem] = leaks(tmp_path, {}, [])
    assert problem.value == "139****5678" and "手机号码" in problem.zh


@pytest.mark.parametrize(
    ("text", "kind", "masked"),
    [
        ("电话 139&#8203;1234&#8203;5678", "mobile", "139****5678"),  # zero-width spaces, as entities
        ("电话 139\u200b1234\u200c5678", "mobile", "139****5678"),  # and as characters
        ("电话 &#49;&#51;&#57;12345678", "mobile", "139****5678"),
        ("电话 １３９１２３４５６７８", "mobile", "139****5678"),  # full-width digits
        ("电话 139<span>1234</span>5678", "mobile", "139****5678"),
        ("电话 139-<b>1234</b>-5678", "mobile", "139****5678"),
        ("写信给 zhou&#64;example.com", "email", "z***@example.com"),
        ("写信给 zhou＠example.com", "email", "z***@example.com"),
        ("写信给 zhou<em>@</em>example.com", "email", "z***@example.com"),
        ("写信给 zhou@exam&shy;ple.com", "email", "z***@example.com"),
    ],
)
def test_a_value_hidden_from_a_plain_search_of_the_file_is_found_as_the_page_shows_it(
    tmp_path, text, kind, masked
):
    (tmp_path / "a.html").write_text(f"<p>{text}</p>", encoding="utf-8")
    [problem] = leaks(tmp_path, {}, [])
    assert problem.value == masked and problem.kind == "personal-data"
    assert ("手机号码" if kind == "mobile" else "电子邮箱") in problem.zh


def test_ordinary_pages_are_searched_once(demo_site):
    """Only pages with something that could hide a value are read a second time, as shown."""
    pages = list(demo_site.rglob("*.html"))
    assert sum(guard.shown(page.read_bytes()) is not None for page in pages) < len(pages) / 10


@pytest.mark.parametrize(
    "text",
    [
        '<li id="note-3f2a9c1e-7b4d-4e2a-9c1d-a13512341575">',  # a uuid: digits between letters
        '<img src="/photos/cover-13512341575b.webp">',
        "订单号 2026013912345678",  # part of a longer number
        "捐款 13,912,345,678 元",
    ],
)
def test_digits_inside_ids_and_longer_numbers_are_not_mobiles(tmp_path, text):
    (tmp_path / "a.html").write_text(text, encoding="utf-8")
    assert leaks(tmp_path, {}, []) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("邮编 200000。", True),
        ("<time datetime='1980-05-01'>1980-05-01</time>", True),
        ("捐款 1200000.00 元", False),  # the postcode inside an amount
        ("捐款 200000.00 元", False),
        ("电话 0755-22000001", False),  # inside an office's number
        ("编号 21980-05-011", False),
    ],
)
def test_a_private_number_is_found_standing_alone_not_inside_a_longer_one(tmp_path, text, found):
    (tmp_path / "a.html").write_text(f"<p>{text}</p>", encoding="utf-8")
    private = {"200000": "private/register.csv postcode", "1980-05-01": "private/register.csv birth_date"}
    assert bool(leaks(tmp_path, private, [])) is found


@given(
    values=st.lists(
        st.text("示例市学府路88号栋室 -AB", min_size=6, max_size=12), min_size=1, max_size=30, unique=True
    ),
    picks=st.lists(st.integers(0, 29), max_size=5),
    noise=st.text("学府路号 ,.", max_size=20),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_private_text_is_found_as_a_search_for_each_value_would_find_it(tmp_path, values, picks, noise):
    values = [v for v in values if not guard._NUMERIC.fullmatch(v) and v.strip() == v] or ["示例市学府路88号"]
    page = noise.join(values[i % len(values)] for i in picks) + noise
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    found = {p.value for p in leaks(tmp_path, dict.fromkeys(values, "register.csv address"), [])}
    # The oracle: each value looked for on its own, as the page's bytes hold it.
    assert found == {mask(v) for v in values if v.encode() in page.encode()}


def test_a_register_address_split_by_inline_tags_is_found_as_the_page_shows_it(tmp_path):
    (tmp_path / "a.html").write_text("<p>住在示例市<strong>学府路</strong>88号3栋201室</p>", encoding="utf-8")
    [problem] = leaks(tmp_path, {"示例市学府路88号3栋201室": "private/register.csv address"}, [])
    assert problem.field == "address"
