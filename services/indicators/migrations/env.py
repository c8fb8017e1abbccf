from samstat_kit.db import run_migrations_online
from services.indicators.api.models import Base

run_migrations_online(Base.metadata)
