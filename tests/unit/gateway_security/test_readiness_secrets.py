"""/ready names a failed check but shows no exception text outside the embedded dev mode."""

from common.service import ServiceRuntime
from common.settings import ServiceSettings

DSN = "postgresql://platform:s3cret-pw@db.internal:5432/platform"


async def _failing() -> str | None:
    raise OSError(f"could not connect to {DSN}")


async def test_readiness_outside_dev_mode_hides_exception_text() -> None:
    runtime = ServiceRuntime("probe", ServiceSettings(PLATFORM_DEV_MODE=False))
    runtime.add_check("database", _failing)
    ok, checks = await runtime.readiness()
    assert not ok
    assert checks["database"].startswith("check failed: OSError")
    assert all("s3cret" not in text and "db.internal" not in text for text in checks.values())


async def test_readiness_in_dev_mode_shows_the_error() -> None:
    runtime = ServiceRuntime("probe", ServiceSettings(PLATFORM_DEV_MODE=True))
    runtime.add_check("database", _failing)
    _, checks = await runtime.readiness()
    assert "db.internal" in checks["database"]
