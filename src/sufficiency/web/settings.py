"""Django settings of the web application.

What differs between a laptop and a server comes from the environment `sufficiency serve`
sets up (server.py): DATABASE_URL (the PostgreSQL to use), SUFFICIENCY_WEB_HOME (the folder
of councils' stores, uploads and the secret key), SUFFICIENCY_ALLOWED_HOSTS (comma-separated
host names, default 127.0.0.1 and localhost), SUFFICIENCY_HTTPS (1 behind a reverse proxy that
ends HTTPS: secure cookies, and the proxy's X-Forwarded-Proto header trusted).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .database import settings_from_url

SUFFICIENCY_HOME = Path(os.environ["SUFFICIENCY_WEB_HOME"])
DATABASES = {"default": settings_from_url(os.environ["DATABASE_URL"])}


def _secret_key(home: Path) -> str:
    """The key that signs sessions: made once, kept in the data folder readable by its owner only."""
    path = home / "secret-key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key(SUFFICIENCY_HOME)
DEBUG = False
ALLOWED_HOSTS = os.environ.get("SUFFICIENCY_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "sufficiency.web.apps.WebConfig",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sufficiency.web.headers.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sufficiency.web.roles.CouncilScopeMiddleware",
    "sufficiency.web.accounts.PasswordChangeMiddleware",
]
ROOT_URLCONF = "sufficiency.web.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords: Django's PBKDF2 hashing (the framework's default), at least 12 characters, not common.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request, and when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Headers (headers.py adds the Content-Security-Policy): no page may be framed, except the
# report's own documents by the application's report page (headers.report_document).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a reverse proxy that ends HTTPS (docs/web.md): cookies only over HTTPS, and a request is
# HTTPS when the proxy says so; the proxy must set X-Forwarded-Proto itself, overwriting the
# client's, and `serve` must listen where only the proxy reaches it.
HTTPS = os.environ.get("SUFFICIENCY_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

# Uploads: see uploads.py for the limits on what an upload may hold.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger files spill to a temporary file
FILE_UPLOAD_PERMISSIONS = 0o600

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = SUFFICIENCY_HOME / "static"  # collected by `serve`, served by static.StaticFiles
