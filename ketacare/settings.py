"""KetaCare settings: one file, driven by the environment.

Defaults give a safe single-clinic install on one machine (embedded SQLite in ./var). Production
sets KETACARE_SECRET_KEY, KETACARE_ALLOWED_HOSTS, KETACARE_HTTPS=1 and DATABASE_URL (PostgreSQL).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from ketacare.data_dir import secure_file, secure_folder, write_secret


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KETACARE_DATA_DIR", BASE_DIR / "var"))
secure_folder(DATA_DIR)


def _secret_key() -> str:
    """The configured key, or one generated once and kept in the data folder (laptop installs)."""
    configured = os.environ.get("KETACARE_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        write_secret(key_file, secrets.token_urlsafe(64))
    secure_file(key_file)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# The audit chain's key, outside the database: this, or the file `audit_key` in the data folder
# (ketacare/audit/keys.py). Checkpoints of the chain are appended to AUDIT_CHECKPOINT_FILE.
AUDIT_KEY = os.environ.get("KETACARE_AUDIT_KEY", "")
AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("KETACARE_AUDIT_CHECKPOINT_FILE", DATA_DIR / "audit_checkpoints.jsonl")
)
AUDIT_CHECKPOINT_INTERVAL_S = int(os.environ.get("KETACARE_AUDIT_CHECKPOINT_INTERVAL_S", "300"))
# An installation upgraded from an unkeyed chain sets this to the id of its first keyed event.
AUDIT_UNKEYED_BEFORE_ID = int(os.environ.get("KETACARE_AUDIT_UNKEYED_BEFORE_ID", "0"))
DEBUG = env_flag("KETACARE_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("KETACARE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

# API tokens expire after this many days at most (ketacare/accounts/tokens.py).
API_TOKEN_DAYS = int(os.environ.get("KETACARE_API_TOKEN_DAYS", "90"))
# A password-reset link issued by a clinic administrator works once, for this many hours at most
# (ketacare/accounts/password_reset.py).
PASSWORD_RESET_LINK_HOURS = int(os.environ.get("KETACARE_PASSWORD_RESET_HOURS", "24"))

# Two-factor login is required of staff in production; the demo may turn it off.
REQUIRE_MFA = env_flag("KETACARE_REQUIRE_MFA", True)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "django_htmx",
    "ninja",
    "ketacare.accounts",
    "ketacare.audit",
    "ketacare.patients",
    "django_tasks",
    "django_tasks_db",
    "ketacare.outcomes",
    "ketacare.plans",
    "ketacare.dosing",
    "ketacare.ledger",
    "ketacare.interop",
    "ketacare.a11y",
    "ketacare.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "ketacare.accounts.idle.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ketacare.input_guard.StrictInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketacare.accounts.middleware.TwoFactorMiddleware",
    "ketacare.audit.context.AuditOriginMiddleware",
    "ketacare.no_store.NoStoreMiddleware",
    "ketacare.audit.read_guard.PatientReadAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "ketacare.error_pages.MethodNotAllowedPage",
]
# KetaCare's own page for a failed CSRF check (most often after an idle-timeout log-out).
CSRF_FAILURE_VIEW = "ketacare.error_pages.csrf_failure"

ROOT_URLCONF = "ketacare.urls"
WSGI_APPLICATION = "ketacare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ketacare" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketacare.accounts.context_processors.current_membership",
            ],
        },
    },
]

# SQLite in WAL mode by default (one clinic, one machine); PostgreSQL through DATABASE_URL.
_default_sqlite = f"sqlite:///{DATA_DIR / 'ketacare.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_sqlite)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The folder and the database file are readable by their owner only (ketacare/data_dir.py).
    secure_folder(DATA_DIR)
    if not str(DATABASES["default"]["NAME"]).startswith(("file:", ":memory:")):
        secure_file(Path(DATABASES["default"]["NAME"]))
    # IMMEDIATE: a transaction takes the write lock at BEGIN, before it reads, so two writers never
    # deadlock upgrading a read lock; the busy timeout makes a writer wait its turn (in seconds)
    # instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("KETACARE_SQLITE_BUSY_TIMEOUT_S", "30")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    # Persistent connections, checked before reuse: measured with 20 concurrent writers on this 2-core
    # machine, 60 s served more requests with a lower p95 than a connection per request (Django's
    # default, 0); docs/performance.md, Serving. KETACARE_DB_CONN_MAX_AGE=0 turns them off.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("KETACARE_DB_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Every list in the API pages with one class (limits in ketacare/api_paging.py).
NINJA_PAGINATION_CLASS = "ketacare.api_paging.Pagination"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: after 5 failed logins for one username, 15 minutes before the next try.
AXES_FAILURE_LIMIT = int(os.environ.get("KETACARE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KETACARE_LOCKOUT_MINUTES", "15")))
# By username, not address: a clinic's staff often share one address, and five typos by one nurse
# must not lock out the whole ward. (axes warns about this choice; it is deliberate.)
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the session ends after this long without a request.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("KETACARE_IDLE_TIMEOUT_MINUTES", "15"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

OTP_TOTP_ISSUER = "KetaCare"

# Secure headers. Behind TLS (KETACARE_HTTPS=1) cookies are secure and HSTS is on.
HTTPS = env_flag("KETACARE_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("KETACARE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("KETACARE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# ketacare/ is not an app, so its static folder must be named for the finders (and whitenoise).
STATICFILES_DIRS = [BASE_DIR / "ketacare" / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Background tasks (questionnaire reminders) are queued in the database and run by
# `manage.py db_worker`, never in the request.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("KETACARE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Where links in emails (safety alerts, reminders) point.
KETACARE_BASE_URL = os.environ.get("KETACARE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

EMAIL_BACKEND = os.environ.get("KETACARE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("KETACARE_FROM_EMAIL", "ketacare@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KETACARE_LOG_LEVEL", "WARNING")},
}
