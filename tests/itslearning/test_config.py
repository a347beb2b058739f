"""The itslearning options are checked when the config is read, all problems at once, with lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.errors import ConfigError
from tests.itslearning.conftest import Itslearning


def test_every_problem_is_listed_with_its_line(its_lite: Itslearning, tmp_path: Path) -> None:
    s = its_lite.settings
    s["timezone"] = "Europe/Bergen"
    rules = s["targets"]["itslearning"]
    rules["on_breach"] = "ignore"
    rules["pause"] = [{"from": "06-20", "to": "8-10"}]
    rules["rollover"] = {"starts": "08-01", "keys": "school_year", "object_types": ["course"], "window_days": 0}
    rules["objects"][3]["release_when_archived"] = {"ref": "group", "object_type": "course"}
    rules["mail"] = {"to": ["not-an-address"]}
    its_lite.write()
    with pytest.raises(ConfigError) as caught:
        load_config(its_lite.config_path)
    problems = "\n".join(caught.value.problems)
    for expected in (
        "timezone: Value error, unknown time zone 'Europe/Bergen'",
        "targets.itslearning.on_breach: Input should be 'block' or 'fail'",
        "targets.itslearning.pause.0: Value error, '8-10' is not MM-DD or YYYY-MM-DD",
        "targets.itslearning.rollover.window_days: Input should be greater than or equal to 1",
        "targets.itslearning.mail.to.0: String should match pattern",
    ):
        assert expected in problems, problems
    assert all(p.startswith(f"{its_lite.config_path}:") for p in caught.value.problems)
    assert all(":" in p.split("edusync.yaml:", 1)[1] for p in caught.value.problems), "each names a line"


def test_types_the_target_does_not_have_are_refused(its_lite: Itslearning) -> None:
    rules = its_lite.settings["targets"]["itslearning"]
    rules["rollover"] = {"keys": "school_year", "object_types": ["course"]}
    rules["objects"][3]["release_when_archived"] = {"ref": "group", "object_type": "course"}
    its_lite.write()
    with pytest.raises(ConfigError) as caught:
        load_config(its_lite.config_path)
    (problem,) = caught.value.problems
    assert "rollover.object_types: 'course' is not an object type of this target" in problem
    assert "objects.3.release_when_archived: 'course' is not an object type of this target" in problem


def test_itslearning_says_insert_where_edusync_says_add(its_lite: Itslearning) -> None:
    its_lite.rules(thresholds={"person": {"insert": {"max_count": 5}}, "*": {"delete": {"max_percent": 10}}})
    raw = yaml.safe_load(its_lite.config_path.read_text(encoding="utf-8"))
    assert "insert" in raw["targets"]["itslearning"]["thresholds"]["person"]
    limits = load_config(its_lite.config_path).config.targets["itslearning"].thresholds
    assert limits["person"]["add"].max_count == 5
