import logging
import shutil

import pytest

from tests.helpers import missing_part
from tests.reminders.support import RedisServer, SmtpSink

# aiosmtpd logs every SMTP command at INFO
logging.getLogger("mail.log").setLevel(logging.WARNING)


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    """Django's SMTP backend, in this process, talking to the sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return smtp_sink


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed; the worker tests need a real Redis"
        missing_part(reason)
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()
