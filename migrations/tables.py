"""Every slice's tables, imported so that `Base.metadata` knows them all (for Alembic and tests)."""

import audit.models  # noqa: F401
import callbacks.models
import callbacks.rate_limits
import callbacks.recording_news  # noqa: F401
import contacts.models  # noqa: F401
import planning.models  # noqa: F401
import staff.models  # noqa: F401
import storage.job_leases  # noqa: F401
import telephony.counsellors.models
import telephony.inbound.models
import telephony.outbound.models  # noqa: F401
import video.models  # noqa: F401
