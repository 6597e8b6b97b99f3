"""The backup drill (scripts/backup.py): a dump of the test database restores
into a fresh database with every table's rows and checksum the same, and a
changed row is caught."""

import sys
from pathlib import Path

import pytest

from tests import factories
from tests.reminders.support import test_database_url as database_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import backup  # noqa: E402
import portal  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_backup_restores_identically_and_a_difference_is_caught(tmp_path):
    factories.RegistrationFactory.create_batch(3)
    factories.ConsultationFactory(notes="encrypted in the dump")
    url = database_url()
    dump = backup.backup(url, tmp_path / "test.dump")
    target = backup.with_db(url, "portal_test_restore")
    portal.drop_database(target)
    portal.ensure_database(target, "portal_test_restore")
    try:
        backup.restore(target, dump)
        source, restored = backup.table_facts(url), backup.table_facts(target)
        assert source == restored
        assert source["events_registration"][0] == 3
        assert len(source) > 30
        with backup.connect(target) as conn, conn.cursor() as cur:
            cur.execute("UPDATE events_registration SET status = 'cancelled', "
                        "cancelled_at = now() WHERE id = (SELECT min(id) FROM events_registration)")
        changed = backup.table_facts(target)
        assert changed["events_registration"][0] == 3
        assert changed["events_registration"] != source["events_registration"]
    finally:
        portal.drop_database(target)
