"""Gongkai settings: one module, configured from the environment.

``GONGKAI_ENV`` selects ``development`` (default: DEBUG on, SQLite, embedded background jobs) or
``production`` (DEBUG off, secure cookies, HSTS, CSP; ``SECRET_KEY`` and ``ALLOWED_HOSTS`` required).
See docs/deployment.md for every variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from gongkai.settings import env

BASE_DIR = Path(__file__).resolve().parent.parent  # the gongkai package
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(env.get_str("GONGKAI_DATA_DIR", str(PROJECT_DIR / "var")) or PROJECT_DIR / "var")

GONGKAI_ENV = env.get_choice("GONGKAI_ENV", "development", {"development", "production", "test"})
PRODUCTION = GONGKAI_ENV == "production"

DEBUG = env.get_bool("DEBUG", not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env.get_str("SECRET_KEY", required=True) or ""
    if len(SECRET_KEY) < 32:
        raise env.ImproperlyConfigured(
            "配置项 SECRET_KEY 太短（至少 32 个字符）。 / Setting SECRET_KEY is too short (at least 32 characters)."
        )
else:
    SECRET_KEY = env.get_str("SECRET_KEY") or env.development_secret_key(DATA_DIR / "secret_key")

ALLOWED_HOSTS = env.get_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise env.ImproperlyConfigured(
        "配置项 ALLOWED_HOSTS 未设置，生产环境必须提供。 / Setting ALLOWED_HOSTS is missing and is required in production."
    )
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])

# --- Applications -------------------------------------------------------------------------------
GONGKAI_APPS = [
    "gongkai.core",
    "gongkai.core.workcalendar",
    "gongkai.core.audit",
    "gongkai.core.outbox",
    "gongkai.core.search",
    "gongkai.accounts",
    "gongkai.hotline",
    "gongkai.hotline.knowledge",
    "gongkai.hotline.reception",
    "gongkai.publishing",
    "gongkai.publishing.channels",
    "gongkai.publishing.review",
    "gongkai.opinion",
    "gongkai.opinion.response",
    "gongkai.opinion.reports",
    "gongkai.disclosure",
    "gongkai.disclosure.annual",
    "gongkai.api",
    "gongkai.portal",
]

INSTALLED_APPS = [
    *GONGKAI_APPS,
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "gongkai.accounts.users_app.GongkaiUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the address or the query string is refused here, before any lookup can reach the
    # database (PostgreSQL fails on it with a 500).
    "gongkai.core.middleware.UnstorableQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous readers of public pages are answered here when the page is cached (core/pagecache.py).
    "gongkai.core.pagecache.PageCacheMiddleware",
    "gongkai.core.middleware.CachedCSPMiddleware",
    # The public intake and lookup (GONGKAI_LEAN_API_PATHS) are answered here, without the
    # session, auth, CSRF, messages and lockout middleware below that they never use (ADR 0018).
    "gongkai.core.middleware.LeanPublicApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gongkai.accounts.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # AxesMiddleware must be last: it turns lockouts into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# Anonymous public API operations served without the middleware after LeanPublicApiMiddleware
# (core/middleware.py): the hotline's appeal and lookup, the busiest requests of the platform.
GONGKAI_LEAN_API_PATHS = ("/api/v1/hotline/appeals", "/api/v1/hotline/lookup")

ROOT_URLCONF = "gongkai.urls"
WSGI_APPLICATION = "gongkai.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env.get_url(
    "DATABASE_URL",
    f"sqlite:///{DATA_DIR / 'gongkai.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "pgsql", "postgis"},
)
try:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL or "", conn_max_age=0 if not PRODUCTION else 60)
    }
except ValueError as exc:  # pragma: no cover - dj_database_url's own message is appended
    raise env.ImproperlyConfigured(
        f"配置项 DATABASE_URL 格式不正确 / Setting DATABASE_URL is malformed: {exc}"
    ) from exc

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the job runner read while one of them writes; IMMEDIATE
        # transactions take the write lock up front instead of failing half-way ("database is locked").
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker and background work ----------------------------------------------------------
REDIS_URL = env.get_url("REDIS_URL", None, schemes={"redis", "rediss", "unix"})
CELERY_BROKER_URL = env.get_url(
    "CELERY_BROKER_URL", REDIS_URL, schemes={"redis", "rediss", "amqp", "amqps", "pyamqp", "sqs", "memory"}
)
# Embedded mode: no broker. Tasks run in the calling process and periodic jobs are run by
# `gongkai jobs` (started by `make run`), which reads the same CELERY_BEAT_SCHEDULE.
EMBEDDED = CELERY_BROKER_URL is None
if EMBEDDED:
    # Never used (tasks run eagerly), but keeps kombu from looking for a broker on localhost.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = EMBEDDED
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic jobs, shared by Celery beat (production) and `gongkai jobs` (embedded mode).
# Apps add their entries in gongkai/settings/schedule.py.
from gongkai.settings import schedule as _schedule  # noqa: E402

CELERY_BEAT_SCHEDULE = _schedule.BEAT_SCHEDULE

CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "gongkai.core.cache.RedisCache", "LOCATION": REDIS_URL},
        # Whole public pages (gongkai/core/pagecache.py); Redis evicts by its own maxmemory policy.
        "pages": {"BACKEND": "gongkai.core.cache.RedisCache", "LOCATION": REDIS_URL},
    }
else:
    # A database cache is shared by every web worker and the job runner, so rate limits and
    # lockouts hold across processes without Redis.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongkai_cache"},
        # Whole public pages: a table of their own, large enough for the pages readers ask for.
        "pages": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "gongkai_page_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4},
        },
    }

# --- Authentication -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "gongkai.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "wagtailadmin_login"
AXES_FAILURE_LIMIT = env.get_int("GONGKAI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.get_int("GONGKAI_LOGIN_COOLOFF_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Who locked-out staff should call (shown on the lockout page), e.g. "市政数局运维 0432-12345678".
GONGKAI_ACCOUNT_HELP_CONTACT = env.get_str("GONGKAI_ACCOUNT_HELP_CONTACT", "")
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Staff must confirm a TOTP code before using the admin (see gongkai.accounts.middleware).
GONGKAI_REQUIRE_2FA = env.get_bool("GONGKAI_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = "Gongkai 公开"

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
# A citizen whose form sat open too long gets a page that says so in their language.
CSRF_FAILURE_VIEW = "gongkai.portal.errors.csrf_failure"

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Wagtail ------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env.get_str("GONGKAI_SITE_NAME", "吉林市人民政府 · 公开")
WAGTAILADMIN_BASE_URL = env.get_str("GONGKAI_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "gongkai.core.search.wagtail_backend"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_MODERATION_ENABLED = True
# Documents reach the site only through their review workflow (docs/publishing-review.md):
# the last approval records the approved revision and publishes it; an edit after an approval
# needs that step again.
WAGTAIL_FINISH_WORKFLOW_ACTION = "gongkai.publishing.review.finish.publish_workflow_state"
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Uploaded documents (attachments of published documents) are checked by content and size.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "gongkai.publishing.uploads.CheckedDocumentForm"
WAGTAILDOCS_EXTENSIONS = [
    *("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods"),
    *("jpg", "jpeg", "png", "gif", "webp", "txt"),
]

# --- Outbox backends ----------------------------------------------------------------------------
# "log" writes each message to the outbox log that staff read in the admin (the embedded default).
GONGKAI_SMS_BACKEND = env.get_choice("GONGKAI_SMS_BACKEND", "log", {"log", "aliyun"})
GONGKAI_EMAIL_BACKEND = env.get_choice("GONGKAI_EMAIL_BACKEND", "log", {"log", "smtp"})
ALIYUN_SMS_ENDPOINT = env.get_url(
    "ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/", schemes={"http", "https"}
)
ALIYUN_SMS_ACCESS_KEY_ID = env.get_str("ALIYUN_SMS_ACCESS_KEY_ID", required=GONGKAI_SMS_BACKEND == "aliyun")
ALIYUN_SMS_ACCESS_KEY_SECRET = env.get_str(
    "ALIYUN_SMS_ACCESS_KEY_SECRET", required=GONGKAI_SMS_BACKEND == "aliyun"
)
ALIYUN_SMS_SIGN_NAME = env.get_str("ALIYUN_SMS_SIGN_NAME", "吉林市人民政府", required=False)
EMAIL_HOST = env.get_str("EMAIL_HOST", "localhost", required=GONGKAI_EMAIL_BACKEND == "smtp")
EMAIL_PORT = env.get_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.get_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.get_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.get_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.get_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.get_str("DEFAULT_FROM_EMAIL", "gongkai@jlcity.gov.cn")
# Django's own mail (password resets) also lands in the outbox rather than going out directly.
EMAIL_BACKEND = "gongkai.core.outbox.mail.OutboxEmailBackend"
OUTBOX_MAX_ATTEMPTS = env.get_int("GONGKAI_OUTBOX_MAX_ATTEMPTS", 8, minimum=1)
OUTBOX_LEASE_SECONDS = env.get_int("GONGKAI_OUTBOX_LEASE_SECONDS", 120, minimum=10)
OUTBOX_BACKOFF_BASE_SECONDS = env.get_int("GONGKAI_OUTBOX_BACKOFF_BASE_SECONDS", 30, minimum=1)
OUTBOX_BACKOFF_MAX_SECONDS = env.get_int("GONGKAI_OUTBOX_BACKOFF_MAX_SECONDS", 3600, minimum=1)
GONGKAI_WEBHOOK_BACKEND = env.get_choice(
    "GONGKAI_WEBHOOK_BACKEND", "log" if EMBEDDED else "http", {"log", "http"}
)
OUTBOX_WEBHOOK_SECRET = env.get_str("GONGKAI_OUTBOX_WEBHOOK_SECRET")  # default: derived from SECRET_KEY
ALIYUN_SMS_TIMEOUT = 10.0

# --- Release to Weibo and WeChat (gongkai.publishing.channels; docs/publishing-channels.md) ------
# Channels a 主动公开 page goes to when published, besides the website. Embedded default: both,
# through the "log" backend; otherwise none until configured.
GONGKAI_RELEASE_CHANNELS = env.get_list(
    "GONGKAI_RELEASE_CHANNELS", ["weibo", "wechat_mp"] if EMBEDDED else []
)
for _channel in GONGKAI_RELEASE_CHANNELS:
    if _channel not in {"weibo", "wechat_mp"}:
        raise env.ImproperlyConfigured(
            f"配置项 GONGKAI_RELEASE_CHANNELS 含未知渠道 {_channel!r}，可选：weibo, wechat_mp。 / "
            f"Setting GONGKAI_RELEASE_CHANNELS names an unknown channel {_channel!r}; "
            "expected: weibo, wechat_mp."
        )
# "log" records each post in the outbox log; "http" calls the provider's API.
GONGKAI_WEIBO_BACKEND = env.get_choice(
    "GONGKAI_WEIBO_BACKEND", "log" if EMBEDDED else "http", {"log", "http"}
)
GONGKAI_WECHAT_BACKEND = env.get_choice(
    "GONGKAI_WECHAT_BACKEND", "log" if EMBEDDED else "http", {"log", "http"}
)
_WEIBO_LIVE = GONGKAI_WEIBO_BACKEND == "http" and "weibo" in GONGKAI_RELEASE_CHANNELS
_WECHAT_LIVE = GONGKAI_WECHAT_BACKEND == "http" and "wechat_mp" in GONGKAI_RELEASE_CHANNELS
WEIBO_API_BASE = env.get_url("WEIBO_API_BASE", "https://api.weibo.com/", schemes={"http", "https"})
# The account's OAuth2 access_token (from the authorization-code flow on open.weibo.com); with
# WEIBO_APP_KEY, WEIBO_APP_SECRET and WEIBO_REFRESH_TOKEN an expired token is refreshed by itself.
WEIBO_ACCESS_TOKEN = env.get_str("WEIBO_ACCESS_TOKEN", required=_WEIBO_LIVE)
WEIBO_APP_KEY = env.get_str("WEIBO_APP_KEY", "")
WEIBO_APP_SECRET = env.get_str("WEIBO_APP_SECRET", "")
WEIBO_REFRESH_TOKEN = env.get_str("WEIBO_REFRESH_TOKEN", "")
# statuses/share requires "rip", the real IP of the operating user: the server's public address.
WEIBO_RIP = env.get_str("WEIBO_RIP", required=_WEIBO_LIVE)
# A post must link to one of the app's 安全域名; default: the host of GONGKAI_BASE_URL.
WEIBO_SAFE_DOMAINS = env.get_list(
    "WEIBO_SAFE_DOMAINS", [(WAGTAILADMIN_BASE_URL.split("://", 1)[-1].split("/", 1)[0]).split(":", 1)[0]]
)
WEIBO_ACCOUNT_NAME = env.get_str("WEIBO_ACCOUNT_NAME", "吉林发布")
WEIBO_TIMEOUT = 10.0
WECHAT_MP_API_BASE = env.get_url(
    "WECHAT_MP_API_BASE", "https://api.weixin.qq.com/", schemes={"http", "https"}
)
WECHAT_MP_APP_ID = env.get_str("WECHAT_MP_APP_ID", required=_WECHAT_LIVE)
WECHAT_MP_APP_SECRET = env.get_str("WECHAT_MP_APP_SECRET", required=_WECHAT_LIVE)
WECHAT_MP_ACCOUNT_NAME = env.get_str("WECHAT_MP_ACCOUNT_NAME", "吉林发布")
WECHAT_MP_AUTHOR = env.get_str("WECHAT_MP_AUTHOR", "")
# Cover of every article: a permanent material id, or else this image (uploaded once, then cached).
WECHAT_MP_THUMB_MEDIA_ID = env.get_str("WECHAT_MP_THUMB_MEDIA_ID", "")
WECHAT_MP_THUMB_IMAGE = env.get_str("WECHAT_MP_THUMB_IMAGE", "")
WECHAT_MP_TIMEOUT = 10.0
# After freepublish/submit, ask freepublish/get this many times, this far apart, before leaving
# the rest to the outbox's retries.
WECHAT_MP_PUBLISH_POLLS = env.get_int("WECHAT_MP_PUBLISH_POLLS", 3, minimum=0)
WECHAT_MP_PUBLISH_POLL_SECONDS = 1.0

# --- Work calendar ------------------------------------------------------------------------------
GONGKAI_OFFICE_HOURS = env.get_str("GONGKAI_OFFICE_HOURS", "08:30-12:00,13:00-17:00")
# How long another process may use its cached copy of a calendar year after an edit.
# Whole public pages for anonymous readers (gongkai/core/pagecache.py): how long an entry lives
# (0 turns the cache off) and how often each process re-reads the content generation.
GONGKAI_PAGE_CACHE_SECONDS = env.get_int("GONGKAI_PAGE_CACHE_SECONDS", 300, minimum=0)
GONGKAI_PAGE_CACHE_CHECK_SECONDS = 1.0
GONGKAI_CALENDAR_CACHE_SECONDS = env.get_int("GONGKAI_CALENDAR_CACHE_SECONDS", 60, minimum=0)
# Extra addresses told when next year's calendar is missing (besides calendar editors).
GONGKAI_CALENDAR_ALERT_EMAILS = env.get_list("GONGKAI_CALENDAR_ALERT_EMAILS", [])

# --- API ----------------------------------------------------------------------------------------
NINJA_PAGINATION_MAX_LIMIT = 200
# Rate limits of the API ("requests/period", period s, m, h or d).
GONGKAI_API_ANON_RATE = env.get_str("GONGKAI_API_ANON_RATE", "120/m")
GONGKAI_API_AUTH_RATE = env.get_str("GONGKAI_API_AUTH_RATE", "3000/m")
# Behind nginx set to 1, so that the client's address is read from X-Forwarded-For.
NINJA_NUM_PROXIES = env.get_int("GONGKAI_NUM_PROXIES", 0, minimum=0)

# --- Security -----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        # Wagtail's admin uses inline styles and scripts; the public site does not need them,
        # but one policy keeps the admin working.
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.get_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Wagtail logs every page action and django_tasks every immediate task at INFO.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

# No calls to gravatar.com: the machines have no outside network and staff avatars are private.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now; silences the transition warning
