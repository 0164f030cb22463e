"""azldrift settings: one module, driven by environment variables.

Defaults are safe for production (DEBUG off, secure cookies when HTTPS is
declared) and need no services: SQLite in the project folder, tasks run
immediately in-process.  See README "Configuration" for every variable.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# A fixed key is only acceptable on a developer's machine; production sets SECRET_KEY.
# The "django-insecure-" prefix makes `check --deploy` flag the default (security.W009).
SECRET_KEY = env("SECRET_KEY", "django-insecure-azldrift-development-key-set-SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so its createsuperuser/changepassword (which write audit events) win.
    "deviations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us (no CDN)
    "django_tasks_db",
    "axes",  # login throttling (deviations.web.throttle); its reset commands are ours
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "azldrift.static.StaticFilesMiddleware",  # WhiteNoise
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Everything needs a login except views marked @login_not_required (health, login).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # ...and a role to read anything (API views: DRF's default permission, CanView).
    "deviations.web.access.RoleRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # What a signed-in user reads is `Cache-Control: private, no-store`.
    "deviations.web.caching.PrivateNoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a request its handler flagged into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "azldrift.urls"
WSGI_APPLICATION = "azldrift.wsgi.application"
ASGI_APPLICATION = "azldrift.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "deviations.web.context_processors.vocabulary",
            ],
            # The template tags live with the web layer (deviations/web/templatetags),
            # not in the app's top-level `templatetags` package Django would scan.
            "libraries": {
                name: f"deviations.web.templatetags.{name}"
                for name in (
                    "azl_charts",
                    "azl_diff",
                    "azl_errors",
                    "azl_exports",
                    "azl_links",
                    "azl_reviews",
                )
            },
        },
    },
]

# --- database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'azldrift.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers
    # queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if env("TEST_DATABASE_NAME"):
    # Lets several test runs share one PostgreSQL server without colliding.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- tasks (django.tasks) -----------------------------------------------
# "immediate" runs a task in the caller (zero setup); "database" queues it in
# the database for `manage.py db_worker` processes (django-tasks-db).
TASKS_BACKEND = env("TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }.get(TASKS_BACKEND, TASKS_BACKEND)
    }
}

# --- upstream sync (deviations.domain.sync) --------------------------------
SYNC_WORKERS = int(env("AZLDRIFT_SYNC_WORKERS", "0"))  # parallel git jobs; 0: two per CPU
SYNC_BATCH_SIZE = int(env("AZLDRIFT_SYNC_BATCH_SIZE", "0"))  # components per task; 0: auto
SYNC_STALE_SECONDS = int(env("AZLDRIFT_SYNC_STALE_SECONDS", "600"))  # silent run = dead
SYNC_GIT_TIMEOUT = int(env("AZLDRIFT_SYNC_GIT_TIMEOUT", "300"))  # seconds per git command
SYNC_GIT_RETRIES = int(env("AZLDRIFT_SYNC_GIT_RETRIES", "2"))  # after network trouble

# --- budgets for work on untrusted input ------------------------------------------
# Seconds of rendering (overlay engine, pin and tip) per component; past it the render's
# worker process is killed and the component gets a `render-timeout` issue.
RENDER_TIMEOUT = float(env("AZLDRIFT_RENDER_TIMEOUT", "60"))
# Bytes a source archive may expand to (the uncompressed tar), and how many times its
# compressed size (past 64 MiB: a compression bomb); archive overlays on it fail.
ARCHIVE_MAX_BYTES = int(env("AZLDRIFT_ARCHIVE_MAX_BYTES", str(1 << 30)))
ARCHIVE_MAX_RATIO = float(env("AZLDRIFT_ARCHIVE_MAX_RATIO", "100"))
# Components a config may declare; a larger one is refused before anything is written.
MAX_COMPONENTS = int(env("AZLDRIFT_MAX_COMPONENTS", "200000"))

# --- lookaside cache (source tarballs, for archive overlays) ----------------
LOOKASIDE_TIMEOUT = float(env("AZLDRIFT_LOOKASIDE_TIMEOUT", "60"))  # connect; between reads
LOOKASIDE_RETRIES = int(env("AZLDRIFT_LOOKASIDE_RETRIES", "2"))  # after network trouble
LOOKASIDE_MAX_BYTES = int(env("AZLDRIFT_LOOKASIDE_MAX_BYTES", str(1 << 30)))  # per file
LOOKASIDE_CA_BUNDLE = env("AZLDRIFT_LOOKASIDE_CA_BUNDLE")  # "": the system's / certifi's CAs

# --- upstream intelligence (deviations.domain.upstream) ----------------------
# Each service's API base: a mirror, a proxy or a test server can stand in.  A link keeps
# its public URL; only the API call goes here.
UPSTREAM_BUGZILLA_URL = env("AZLDRIFT_BUGZILLA_URL", "https://bugzilla.redhat.com")
UPSTREAM_PAGURE_URL = env("AZLDRIFT_PAGURE_URL", "https://src.fedoraproject.org")
UPSTREAM_GITHUB_API_URL = env("AZLDRIFT_GITHUB_API_URL", "https://api.github.com")
UPSTREAM_GITLAB_URL = env("AZLDRIFT_GITLAB_URL", "https://gitlab.com")
UPSTREAM_ANITYA_URL = env("AZLDRIFT_ANITYA_URL", "https://release-monitoring.org")
UPSTREAM_CA_BUNDLE = env("AZLDRIFT_UPSTREAM_CA_BUNDLE")  # "": certifi's CAs
UPSTREAM_GITHUB_TOKEN = env("AZLDRIFT_GITHUB_TOKEN")  # optional; 5,000 requests/h, not 60
UPSTREAM_TIMEOUT = float(env("AZLDRIFT_UPSTREAM_TIMEOUT", "20"))  # connect; between reads
UPSTREAM_RETRIES = int(env("AZLDRIFT_UPSTREAM_RETRIES", "2"))
UPSTREAM_MAX_BYTES = int(env("AZLDRIFT_UPSTREAM_MAX_BYTES", str(5 << 20)))  # per answer
UPSTREAM_PER_HOST = int(env("AZLDRIFT_UPSTREAM_PER_HOST", "4"))  # requests in flight a host
UPSTREAM_RATE = float(env("AZLDRIFT_UPSTREAM_RATE", "10"))  # requests a second a host
UPSTREAM_MAX_WAIT = float(env("AZLDRIFT_UPSTREAM_MAX_WAIT", "60"))  # longest rate-limit wait
# A link or release checked more recently than this is not asked again (unless forced).
UPSTREAM_LINK_INTERVAL = int(env("AZLDRIFT_UPSTREAM_LINK_INTERVAL", str(6 * 3600)))
UPSTREAM_RELEASE_INTERVAL = int(env("AZLDRIFT_UPSTREAM_RELEASE_INTERVAL", str(24 * 3600)))

# --- paths for work data --------------------------------------------------
# Bare git mirrors of config and dist-git repositories live here.
CACHE_DIR = Path(env("AZLDRIFT_CACHE_DIR", str(BASE_DIR / "var" / "cache")))

# --- auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"
# django-axes refuses a locked-out login before Django's own backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- login throttling (django-axes; deviations.web.throttle) ---------------------
# LIMIT failed password checks for one username (from anywhere) or from one client
# address (for any username) lock that username or address for LOCKOUT_MINUTES; the
# failures count until that long passes without one.  Every password check counts: the
# login page, the admin's login and the API token page.
LOGIN_FAILURE_LIMIT = int(env("AZLDRIFT_LOGIN_FAILURE_LIMIT", "10"))
LOGIN_LOCKOUT_MINUTES = int(env("AZLDRIFT_LOGIN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
# A refused attempt during a lockout does not extend it, and a success resets nothing:
# resetting on success would let anyone with an account clear their address's count
# between guesses at someone else's password.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_HANDLER = "deviations.web.throttle.AuditedAxesHandler"  # the lockout on the trail
AXES_LOCKOUT_CALLABLE = "deviations.web.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "deviations.web.throttle.client_ip"
# Unlocking goes through the audited `manage.py unlock_logins`, not axes' admin pages;
# successful logins are not logged by axes (the audit trail records changes, not visits).
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True

# --- i18n / time ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
_HTMX_DIST = BASE_DIR / "node_modules" / "htmx.org" / "dist"
if _HTMX_DIST.is_dir():
    # htmx comes from its npm package (package-lock.json), never a committed copy.
    STATICFILES_DIRS.append(("vendor/htmx", _HTMX_DIST))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env_bool("STATIC_PLAIN", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the finders when collectstatic has not been run (tests).
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# --- security -------------------------------------------------------------
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere: htmx and our few lines of JS are files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: without credentials the answer is 401 with `WWW-Authenticate: Token`
    # (DRF challenges with the first class).  Browsers use their session (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reading needs a role; deviations.web.access refuses an API view that drops this.
    "DEFAULT_PERMISSION_CLASSES": ["deviations.web.roles.CanView"],
    # Lists filter and order (`sort`) through the list pages' FilterSets, nothing else.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "deviations.web.api.paging.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "deviations.web.api.schema.ApiSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "azldrift API",
    "DESCRIPTION": "Every way Azure Linux deviates from Fedora: components, deviations, "
    "drift, reviews and the audit trail.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs views are API views too: reading them needs a role (the default
    # here would be AllowAny).  Their authentication is REST_FRAMEWORK's.
    "SERVE_PERMISSIONS": ["deviations.web.roles.CanView"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema's names of the vocabularies' enums, fixed (not derived from field names).
    "ENUM_NAME_OVERRIDES": {
        "AuditActionEnum": "deviations.vocabulary.AuditAction.choices",
        "DecisionEnum": "deviations.vocabulary.Decision.choices",
        "KindEnum": "deviations.vocabulary.DeviationKind.choices",
        "OriginEnum": "deviations.vocabulary.Origin.choices",
        "ReviewStateEnum": "deviations.vocabulary.ReviewState.choices",
        "SeverityEnum": "deviations.vocabulary.Severity.choices",
        "SpecTypeEnum": "deviations.vocabulary.SpecType.choices",
        "StatusEnum": "deviations.vocabulary.SyncRunStatus.choices",
        "SyncIssueKindEnum": "deviations.vocabulary.sync_issues.ISSUE_CHOICES",
        "SyncTriggerEnum": "deviations.vocabulary.SyncTrigger.choices",
        "TargetEnum": "deviations.vocabulary.Target.choices",
        "VerdictEnum": "deviations.vocabulary.Verdict.choices",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    # One INFO line per task start/finish is noise for commands; failures stay ERROR.
    "loggers": {"django.tasks": {"level": "WARNING"}},
}

# --- e-mail (manage.py notify's digests; Django's MAILERS) ---------------------------
# AZLDRIFT_EMAIL_BACKEND: "console" prints messages (the default: nothing leaves the
# machine until configured), "smtp" sends through EMAIL_HOST; any other value is a
# backend's dotted path.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_EMAIL_BACKEND = env("AZLDRIFT_EMAIL_BACKEND", "console")
_EMAIL_BACKEND = _EMAIL_BACKENDS.get(_EMAIL_BACKEND, _EMAIL_BACKEND)
_SMTP_OPTIONS = {
    "host": env("EMAIL_HOST", "localhost"),
    "port": int(env("EMAIL_PORT", "25")),
    "username": env("EMAIL_HOST_USER"),
    "password": env("EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("EMAIL_USE_TLS", False),  # STARTTLS (port 587)
    "use_ssl": env_bool("EMAIL_USE_SSL", False),  # TLS from the start (port 465)
    "timeout": int(env("EMAIL_TIMEOUT", "30")),
}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _EMAIL_BACKEND.endswith(".smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "azldrift <azldrift@localhost>")
# Where the site is reached: links in e-mails (pages and feeds have their request's host).
SITE_URL = env("AZLDRIFT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
