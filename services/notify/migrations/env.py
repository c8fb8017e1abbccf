from samstat_kit.db import run_migrations_online
from services.notify.alerts.models import Base
from services.notify.delivery import models as _deliveries  # noqa: F401  (registers tables)
from services.notify.digests import models as _digests  # noqa: F401
from services.notify.inbox import models as _inbox  # noqa: F401
from services.notify.subscriptions import models as _subscriptions  # noqa: F401

run_migrations_online(Base.metadata)
