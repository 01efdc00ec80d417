"""Which orgs one simulator serves under its single client id, and who signs in for each.

WxCC integrations are multi-tenant: one client id (one integration) is connected by many
customer orgs, each consenting through one of its own users. The simulator serves
`SimConfig.org_count` orgs. Org 1 is exactly what a single-org simulator has always served
(`SimConfig.org_id`, the configured demo user, the seed's contact center); every further org
is derived from the seed, so a seed still pins every org completely.

Pure: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from simulator.config import SimConfig, org_id_for_seed

# Org n (n >= 2) runs the contact center that seed + (n - 1) * ORG_SEED_STRIDE would serve, so
# orgs of one simulator never share queue, team or agent ids. Any large stride would do.
ORG_SEED_STRIDE = 1_000_003


class UnknownOrg(LookupError):
    """An org selector that names none of the orgs this simulator serves."""


@dataclass(frozen=True)
class OrgSpec:
    """One org the simulator serves: its 1-based number, id, contact center seed and user."""

    number: int
    org_id: str
    seed: int
    user_email: str
    user_name: str

    def as_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "orgId": self.org_id,
            "userEmail": self.user_email,
            "userName": self.user_name,
        }


def _user_email(base_email: str, number: int) -> str:
    if number == 1:
        return base_email
    local, _, domain = base_email.partition("@")
    return f"{local}@org{number}.{domain}"


def org_specs(config: SimConfig) -> tuple[OrgSpec, ...]:
    """Every org `config` serves, org 1 first."""
    specs = [
        OrgSpec(
            number=1,
            org_id=config.org_id,
            seed=config.seed,
            user_email=config.demo_user_email,
            user_name=config.demo_user_name,
        )
    ]
    for number in range(2, config.org_count + 1):
        specs.append(
            OrgSpec(
                number=number,
                org_id=org_id_for_seed(config.seed, number),
                seed=config.seed + (number - 1) * ORG_SEED_STRIDE,
                user_email=_user_email(config.demo_user_email, number),
                user_name=f"{config.demo_user_name} {number}",
            )
        )
    return tuple(specs)


def org_model_config(config: SimConfig, spec: OrgSpec) -> SimConfig:
    """The configuration the traffic model of org `spec` runs with."""
    return replace(
        config,
        seed=spec.seed,
        org_id=spec.org_id,
        demo_user_email=spec.user_email,
        demo_user_name=spec.user_name,
    )


def select_org(specs: tuple[OrgSpec, ...], selector: str | None) -> OrgSpec:
    """The org a selector names: its org id or its 1-based number; None or "" is org 1."""
    if not selector:
        return specs[0]
    for spec in specs:
        if selector in (spec.org_id, str(spec.number)):
            return spec
    raise UnknownOrg(selector)
