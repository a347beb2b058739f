"""The shipped schema files: the LDIF form matches the .schema form and loads into a cn=config slapd."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edusync.connectors.ldap.schemafiles import SCHEMAS, definitions, schema_path, to_ldif
from edusync.testing.slapd import SYSTEM_SCHEMA_DIR, SYSTEM_SCHEMAS, slapd_available


@pytest.mark.parametrize("name", SCHEMAS)
def test_shipped_ldif_is_the_conversion_of_the_schema(name: str) -> None:
    text = schema_path(name).read_text(encoding="utf-8")
    assert schema_path(name, "ldif").read_text(encoding="utf-8") == to_ldif(name, text)


def test_schemas_define_what_the_connector_writes() -> None:
    names = " ".join(body for n in SCHEMAS for _, body in definitions(schema_path(n).read_text(encoding="utf-8")))
    for oid, name in [
        ("1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName"),
        ("1.3.6.1.4.1.5923.1.1.1.7", "eduPersonEntitlement"),
        ("1.3.6.1.4.1.5923.1.1.2", "eduPerson"),
        ("1.3.6.1.4.1.2428.90.1.5", "norEduPersonNIN"),
        ("1.3.6.1.4.1.2428.90.1.8", "norEduOrgUnitUniqueIdentifier"),
        ("1.3.6.1.4.1.2428.90.1.12", "norEduOrgNIN"),
        ("1.3.6.1.4.1.2428.90.2.3", "norEduPerson"),
        ("1.3.6.1.4.1.5923.1.2.2", "eduOrg"),
    ]:
        assert f"( {oid} NAME '{name}'" in names


def test_ldif_form_loads_into_cn_config(tmp_path: Path) -> None:
    if not slapd_available():
        pytest.skip("slapd is not installed")
    config, data = tmp_path / "slapd.d", tmp_path / "data"
    config.mkdir()
    data.mkdir()
    parts = [
        "dn: cn=config\nobjectClass: olcGlobal\ncn: config\n",
        "dn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\n"
        "olcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n",
        "dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n",
        *((SYSTEM_SCHEMA_DIR / f"{n}.ldif").read_text() for n in SYSTEM_SCHEMAS),
        *(schema_path(n, "ldif").read_text() for n in SCHEMAS),
        "dn: olcDatabase={1}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\n"
        f"olcDatabase: {{1}}mdb\nolcSuffix: dc=example,dc=no\nolcDbDirectory: {data}\n",
    ]
    ldif = tmp_path / "config.ldif"
    ldif.write_text("\n".join(p.rstrip("\n") + "\n" for p in parts), encoding="utf-8")
    added = subprocess.run(["slapadd", "-n0", "-F", str(config), "-l", str(ldif)], capture_output=True, check=False)
    assert added.returncode == 0, added.stderr.decode()
    tested = subprocess.run(["slaptest", "-F", str(config), "-u"], capture_output=True, check=False)
    assert tested.returncode == 0, tested.stderr.decode()
    loaded = sorted(p.name for p in (config / "cn=config" / "cn=schema").iterdir())
    assert [n.split("}", 1)[1] for n in loaded[-3:]] == [f"{n}.ldif" for n in SCHEMAS]
