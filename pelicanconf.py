"""Site settings for local builds. publishconf.py adds what differs when publishing."""

SITENAME = "示例大学校友总会"
SITE_DESCRIPTION = "示例大学校友总会官方网站：校友新闻、校友风采、捐赠项目、各地校友会与校友活动。"
SITEURL = ""
# What must name the site in full (the sitemap, robots.txt, feed entries) names the preview's
# address while SITEURL is empty, as in local builds; publishconf.py sets SITEURL.
PREVIEW_URL = "http://127.0.0.1:8000"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
# The editions: the first is the site's root, each other lives under /<lang>/. Text that
# differs per edition is keyed by language; UI words come from theme/translations.
LANGUAGES = ["zh", "en"]
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
SITE_NAMES = {"zh": SITENAME, "en": "Example University Alumni Association"}
SITE_DESCRIPTIONS = {
    "zh": SITE_DESCRIPTION,
    "en": "News, alumni stories, donation projects, chapters and events of the Example University "
    "Alumni Association.",
}
# The page's lang attribute and Open Graph locale for each content language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}
OG_LOCALE = {"zh": "zh_CN", "en": "en_US"}
DATE_FORMATS = {"zh": "%Y年%-m月%-d日", "en": "%-d %B %Y"}
DEFAULT_DATE_FORMAT = "%Y年%-m月%-d日"
# None means the day of the build; a date such as "2026-11-23" makes builds reproducible.
BUILD_DATE = None

PATH = "content"
OUTPUT_PATH = "output"
THEME = "theme"
DATA_PACKAGE = "data/datapackage.yaml"
FORMS_DIR = "forms"
# Where forms are sent: the form handler. Locally `invoke serve` runs it on the same address.
FORMS_ACTION = "/api/forms"
# The time-trap's secret (core/stamps.py); None: forms carry no stamp (the handler then
# sets no trap either). publishconf.py reads it from the environment.
FORMS_STAMP_SECRET = None
# The keys an editor may write at the top of a content file (docs/editors.md), spelt as the
# guide spells them; any other stops the build (plugins/metadata.py), as a typo (Stauts: draft)
# would otherwise be ignored. Of the keys Pelican itself reads, Modified is kept (the feeds date
# an entry's update by it); Category, Lang, Translation, Author, Authors, Template, Save_as and
# Url are not: the folder, the file's name (news/x.en.md), Slug: and the URL settings below
# decide those, and the site shows no authors (its feeds name the association).
METADATA_KEYS = ["Title", "Date", "Modified", "Summary", "Tags", "Slug", "Chapter", "Featured",
                 "Project", "Year", "Status", "Image", "Image-Alt"]  # fmt: skip
ARTICLE_PATHS = ["news", "stories"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
USE_FOLDER_AS_CATEGORY = True
# Editors write Markdown; other formats would only add readers to maintain.
READERS = {"rst": None, "htm": None, "html": None}
# Category slugs are the folder names; these are the names visitors see, per edition.
CATEGORY_NAMES = {
    "zh": {"news": "新闻动态", "stories": "校友风采"},
    "en": {"news": "News", "stories": "Alumni stories"},
}
# What each category's list says of itself to search engines and in shared links.
CATEGORY_DESCRIPTIONS = {
    "zh": {"news": "校友总会和各地校友会的活动、捐赠与母校消息，按时间从新到旧排列。",
           "stories": "校友的故事：他们的工作、生活和与母校的联系。"},
    "en": {"news": "Events, giving and university news from the association and its chapters, newest first.",
           "stories": "Stories of alumni: their work, their lives and their ties to the university."},
}  # fmt: skip
# A translation sits beside its original with the language before the extension:
# news/homecoming.md and news/homecoming.en.md. The file name links the two.
PATH_METADATA = r"(?P<translation_key>[^.]+)(?:\.(?P<lang>[a-z]{2}))?\.[a-z]+$"
# What editors' programs leave beside a file they have open (Word and WPS's ~$ lock files,
# LibreOffice's .~lock.…#, Emacs's .#…) is never content: read as an article, a lock file
# named ~$返校日.md stopped the build with "missing title".
IGNORE_FILES = [".#*", "~$*", ".~lock.*"]
ARTICLE_TRANSLATION_ID = "translation_key"
# A document named so too (agenda.en.pdf) is published as it is named; Pelican has no
# setting for a static file in another language and stopped with a KeyError.
STATIC_LANG_URL = "{path}"
STATIC_LANG_SAVE_AS = "{path}"
PAGE_TRANSLATION_ID = "translation_key"

# The order matters. Generators run in this order, and plugins.search starts writing the
# index when its turn comes, so it follows every plugin that writes pages to index (data
# pages) and precedes those that write none (forms, pledge forms, editions). plugins.pictures writes no
# page: once everything is read, it puts photos into the text of articles and data pages
# (so after plugins.datapages, whose events get their galleries) before any page is written. At the end of a build
# plugins.writing writes the pages it still holds, the sitemap is written, then the guard
# checks everything while the index is still being written; plugins.search then waits for
# the index, so it comes after all three.
PLUGINS = [
    "plugins.reading",
    "plugins.metadata",
    "plugins.writing",
    "plugins.templates",
    "plugins.paths",
    "plugins.slugs",
    "plugins.taxonomies",
    "plugins.schedule",
    "plugins.feeds",
    "plugins.i18n",
    "plugins.sitemap",
    "plugins.guard",
    "plugins.datapages",
    "plugins.pictures",
    "plugins.attachments",
    "plugins.calendars",
    "plugins.search",
    "plugins.formpages",
    "plugins.inboxes",
    "plugins.giving",
    "plugins.editions",
    "plugins.addresses",
]
SLUG_MAX_LENGTH = 60

# URLs: short and stable. Articles are files (a folder each costs a directory per item on
# big sites); sections and data pages are folders with index.html.
ARTICLE_URL = "{category}/{slug}.html"
ARTICLE_SAVE_AS = "{category}/{slug}.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
# Translations live in their edition's folder: en/news/<slug>.html, en/about/.
ARTICLE_LANG_URL = "{lang}/{category}/{slug}.html"
ARTICLE_LANG_SAVE_AS = "{lang}/{category}/{slug}.html"
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
CATEGORY_URL = "{slug}/"
CATEGORY_SAVE_AS = "{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
CHAPTER_URL = "chapters/{slug}/"
CHAPTER_SAVE_AS = "chapters/{slug}/index.html"
CHAPTER_LANG_URL = "{lang}/chapters/{slug}/"
CHAPTER_LANG_SAVE_AS = "{lang}/chapters/{slug}/index.html"
CHAPTERS_URL = "chapters/"
CHAPTERS_SAVE_AS = "chapters/index.html"
PROJECT_URL = "projects/{slug}/"
PROJECT_SAVE_AS = "projects/{slug}/index.html"
PROJECT_LANG_URL = "{lang}/projects/{slug}/"
PROJECT_LANG_SAVE_AS = "{lang}/projects/{slug}/index.html"
PROJECTS_URL = "projects/"
PROJECTS_SAVE_AS = "projects/index.html"
REPORT_URL = "projects/{project}/{year}/"
REPORT_SAVE_AS = "projects/{project}/{year}/index.html"
REPORT_LANG_URL = "{lang}/projects/{project}/{year}/"
REPORT_LANG_SAVE_AS = "{lang}/projects/{project}/{year}/index.html"
PROJECT_FIGURES_SAVE_AS = "projects/{slug}/figures.csv"
# The pledge form to print, for each project open to gifts (plugins/giving.py), in every edition.
PLEDGE_URL = "projects/{slug}/pledge/"
PLEDGE_SAVE_AS = "projects/{slug}/pledge/index.html"
EVENTS_URL = "events/"
EVENTS_SAVE_AS = "events/index.html"
EVENT_URL = "events/{slug}/"
EVENT_SAVE_AS = "events/{slug}/index.html"
# Calendars (plugins/calendars.py): one file per event to add it to a calendar, and a calendar
# to subscribe to per edition and per chapter.
EVENT_CALENDAR_SAVE_AS = "events/{slug}/event.ics"
CALENDAR_SAVE_AS = "events/calendar.ics"
CHAPTER_CALENDAR_SAVE_AS = "chapters/{slug}/calendar.ics"
FORM_URL = "forms/{slug}/"
FORM_SAVE_AS = "forms/{slug}/index.html"
FORM_THANKS_SAVE_AS = "forms/{slug}/thanks/index.html"
CLASS_NOTES_URL = "class-notes/"
CLASS_NOTES_SAVE_AS = "class-notes/index.html"
DIRECT_TEMPLATES = ["index", "tags", "archives", "search", "404", "robots"]
SEARCH_SAVE_AS = "search/index.html"
INDEX_SAVE_AS = "index.html"
ROBOTS_SAVE_AS = "robots.txt"
# Drafts (`Status: draft`, or dated after today: plugins/schedule.py) are not written at all:
# Pelican would put them in drafts/, where anyone who guesses the address could read them.
DRAFT_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
DRAFT_PAGE_LANG_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
DEFAULT_PAGINATION = 30
# The home page is hand-made, not a paginated list of everything.
PAGINATED_TEMPLATES = {"category": None, "tag": None}
PAGINATION_PATTERNS = [
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
]

# Feeds: per edition, everything and one per category (news, stories); and one per chapter.
# Pelican's own would mix the editions (plugins/feeds.py writes these instead).
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
EDITION_FEED_ATOM = {"zh": "feeds/all.atom.xml", "en": "feeds/all-en.atom.xml"}
EDITION_CATEGORY_FEED_ATOM = {"zh": "feeds/{slug}.atom.xml", "en": "feeds/{slug}-en.atom.xml"}
CHAPTER_FEED_ATOM = "feeds/chapters/{slug}.atom.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 20

# Home page: how many of each block to show.
HOME_NEWS_COUNT = 6
HOME_EVENTS_COUNT = 4
# What share of the register should be updated within 12 months, and reachable (invoke stats).
REGISTER_TARGETS = {"updated": 0.8, "reachable": 0.5}
# Reunion classes (秩年返校): classes that entered or graduated this many years ago.
REUNION_INTERVALS = [10, 20, 30, 40, 50]
# Colleges renamed or merged: each old name a list may still give, and the college it is now, as
# the register writes it. invoke import-register reads the old name as the current one, so the
# list's people are matched with their records instead of added again (docs/editors.md).
COLLEGE_RENAMES = {"计算机系": "计算机学院"}

# Personal data never reaches output/: the guard looks for the private values in these
# folders of data/ (the register, the decision log, the form inbox), and for any mobile
# number or e-mail address that is not one of these public office contacts ("@domain"
# allows a whole domain).
PRIVATE_DATA_DIRS = ["private", "inbox"]
PUBLIC_CONTACTS = ["@alumni.example.org"]

# Build the search index (Pagefind) after the pages; off only for benchmarks that compare
# page rendering alone. ("previous" keeps the last build's index as it is: the live preview
# shows changed pages first, and brings the index up to date in the build that follows.)
SEARCH_INDEX = True
# Pages per part of a language's search index. Pagefind makes an index on one core, so a big
# site's is made in parts, several at once, and an edit makes only its page's part again; a
# visitor's search then fetches a little of each part (docs/performance.md measures both).
SEARCH_PART_PAGES = 1000

# Photos (plugins/pictures). Every photo in content is published as WebP and JPEG copies at
# these widths (never wider than the original), with this quality for each format (1-100).
# Originals larger than PHOTO_MAX_MB are reported: the site never needs them so big, and git
# keeps every version. Copies are kept between builds in PHOTO_CACHE (relative to this file)
# and published under PHOTO_SAVE_AS ({key} changes whenever the copy's bytes would).
PHOTO_WIDTHS = [320, 480, 800, 1200, 1600]
PHOTO_QUALITY = {"webp": 74, "jpeg": 80}
PHOTO_MAX_MB = 8
PHOTO_CACHE = "cache/pictures"
PHOTO_SAVE_AS = "images/{name}-{key}-{width}.{ext}"
# content/<GALLERY_PATH>/<event id>/ holds an event's photos and photos.csv (their alt text).
GALLERY_PATH = "events"
# content/<CLASS_NOTE_PHOTOS_PATH>/<note id>/ holds the photos sent with a class note and
# photos.csv (their alt text); invoke review puts them there when it approves the note.
CLASS_NOTE_PHOTOS_PATH = "class-notes"
# A page shared without a cover is shown with a card: its title on these colours, in the
# first of these fonts that is installed ("package:file" is a file inside a Python package).
# SITE_MARK is the character of theme/static/favicon.svg, drawn on the cards and the icons.
SHARE_CARD_COLORS = {"background": "#7a1f2b", "text": "#ffffff", "accent": "#f6f4f1"}
SHARE_CARD_FONTS = [
    "pylopdf_fonts_zh_cn:NotoSansSC-Regular.otf",  # Noto Sans SC (SIL OFL 1.1), from PyPI
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian's fonts-wqy-microhei
]
SHARE_CARD_SAVE_AS = "images/share/{key}.png"
SITE_MARK = "校"

# Robots and crawlers may read everything that is published. sitemap.xml lists every page but
# these and those that ask not to be indexed (<meta name="robots" content="noindex">: the 404s,
# the forms' thank-you pages).
SITEMAP_EXCLUDE = []

# Autoescape: alumni-written text (class notes) is shown; Markdown output is marked |safe.
JINJA_ENVIRONMENT = {
    "extensions": ["jinja2.ext.i18n"],
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "auto_reload": False,  # templates do not change during a build; skip a stat per render
}
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
    },
    "output_format": "html5",
}
RELATIVE_URLS = False
# Builds redo only what changed (core/manifest.py): what the last build made, and from what,
# is kept per output folder under BUILD_CACHE (relative to this file), with what Pelican read
# of each source file (its reader cache, checked by modification time).
BUILD_CACHE = "cache/build"
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
CHECK_MODIFIED_METHOD = "mtime"
GZIP_CACHE = False
