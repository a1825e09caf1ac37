import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from tongban.config import load_settings, variable_names
from tongban.config_checks import ConfigError


def test_defaults_are_safe_for_development() -> None:
    settings = load_settings({})
    assert settings.env == "development"
    assert settings.database_url.startswith("postgresql://")


def test_a_bad_value_is_reported_by_variable_name() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_DB_POOL_MAX": "lots"})
    assert caught.value.variable == "TONGBAN_DB_POOL_MAX"
    assert "TONGBAN_DB_POOL_MAX" in str(caught.value)


def test_an_unknown_choice_is_reported_by_variable_name() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_ENV": "prod"})
    assert caught.value.variable == "TONGBAN_ENV"


def test_a_misspelt_variable_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_DATABSE_URL": "postgresql://x/y"})
    assert caught.value.variable == "TONGBAN_DATABSE_URL"


def test_production_refuses_the_development_jwt_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_ENV": "production"})
    assert caught.value.variable == "TONGBAN_JWT_SECRET"


def test_rs256_needs_a_key_source() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_JWT_ALGORITHM": "RS256"})
    assert caught.value.variable == "TONGBAN_JWT_JWKS_FILE"


def test_pool_bounds_are_checked() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_DB_POOL_MIN": "20", "TONGBAN_DB_POOL_MAX": "5"})
    assert caught.value.variable == "TONGBAN_DB_POOL_MAX"


def test_values_are_converted_from_strings() -> None:
    settings = load_settings({"TONGBAN_HTTP_PORT": "9001", "TONGBAN_LOG_LEVEL": "DEBUG"})
    assert settings.http_port == 9001
    assert settings.log_level == "DEBUG"


def test_variable_names_cover_every_setting() -> None:
    names = variable_names()
    assert "TONGBAN_DATABASE_URL" in names
    assert all(n.startswith("TONGBAN_") for n in names)


def test_the_public_address_of_links_is_checked() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_PUBLIC_BASE_URL": "tongban.example.gov.cn"})
    assert caught.value.variable == "TONGBAN_PUBLIC_BASE_URL"
    production = {
        "TONGBAN_ENV": "production",
        "TONGBAN_JWT_SECRET": "production-secret-0123456789abcdefghijkl",
        "TONGBAN_SMS_ACCESS_KEY_SECRET": "prod-sms",
        "TONGBAN_SMS_CALLBACK_SECRET": "prod-callback",
        "TONGBAN_DOWNLOAD_SECRET": "prod-download",
        "TONGBAN_LICENCE_SIGNING_KEY": _pem(),
        "TONGBAN_LICENCE_KEY_ID": "tongban-licence-2026",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(production)  # links to 127.0.0.1 would reach no applicant
    assert caught.value.variable == "TONGBAN_PUBLIC_BASE_URL"
    load_settings(production | {"TONGBAN_PUBLIC_BASE_URL": "https://tongban.example.invalid"})
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_DELIVERY_LINK_DAYS": "0"})
    assert caught.value.variable == "TONGBAN_DELIVERY_LINK_DAYS"


def _pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def test_production_needs_its_own_licence_signing_key() -> None:
    production = {
        "TONGBAN_ENV": "production",
        "TONGBAN_JWT_SECRET": "production-secret-0123456789abcdefghijkl",
        "TONGBAN_SMS_ACCESS_KEY_SECRET": "prod-sms",
        "TONGBAN_SMS_CALLBACK_SECRET": "prod-callback",
        "TONGBAN_DOWNLOAD_SECRET": "prod-download",
        "TONGBAN_PUBLIC_BASE_URL": "https://tongban.example.invalid",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(production)  # the development key's seed is public
    assert caught.value.variable == "TONGBAN_LICENCE_SIGNING_KEY"
    with pytest.raises(ConfigError) as caught:
        load_settings({"TONGBAN_LICENCE_SIGNING_KEY": "not a key"})
    assert caught.value.variable == "TONGBAN_LICENCE_SIGNING_KEY"
    with pytest.raises(ConfigError) as caught:
        load_settings(production | {"TONGBAN_LICENCE_SIGNING_KEY": _pem()})
    assert caught.value.variable == "TONGBAN_LICENCE_KEY_ID"  # still the development name
    load_settings(
        production
        | {"TONGBAN_LICENCE_SIGNING_KEY": _pem(), "TONGBAN_LICENCE_KEY_ID": "gd-licence-2026"}
    )
