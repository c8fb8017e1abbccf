from samstat_kit.auth.models import Base
from samstat_kit.db import run_migrations_online

run_migrations_online(Base.metadata)
