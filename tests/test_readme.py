from pathlib import Path

from tongban.config import variable_names

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    missing = [v for v in variable_names() if f"`{v}`" not in README]
    assert missing == []


def test_the_readme_gives_the_two_commands() -> None:
    assert "./dev run" in README and "./dev test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "./dev test" in ci
