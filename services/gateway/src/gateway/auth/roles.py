"""Who may do what. Each role can do everything the roles below it can."""

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"  # reads
    TRADER = "trader"  # reads and trades
    ADMIN = "admin"  # reads, trades, manages users and clients

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 0, Role.TRADER: 1, Role.ADMIN: 2}[self]

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank
