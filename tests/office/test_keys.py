"""The office's key file: private to its owner, never in a repository, never overwritten."""

import stat

import pytest

from core.problems import ProblemsFound
from core.sealing import Sealer, generate_keypair
from office.keys import keygen_instructions, load_identity, write_keypair

IDENTITY, RECIPIENT = generate_keypair()


def test_key_file_is_private_to_its_owner_and_opens_what_was_sealed(tmp_path):
    path, recipient = write_keypair(tmp_path / "keys")
    assert path == tmp_path / "keys" / "office.agekey"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_identity(path).open(Sealer(recipient).seal("13800138000")) == "13800138000"


def test_existing_key_is_never_overwritten(tmp_path):
    path, _ = write_keypair(tmp_path)
    before = path.read_text()
    with pytest.raises(ProblemsFound, match="will not be overwritten"):
        write_keypair(tmp_path)
    assert path.read_text() == before


def test_key_is_never_written_inside_a_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    with pytest.raises(ProblemsFound, match="must never enter one"):
        write_keypair(tmp_path / "keys")
    assert not (tmp_path / "keys").exists()


def test_missing_or_wrong_key_file_gives_a_sentence(tmp_path):
    with pytest.raises(ProblemsFound, match="the private key file is not there"):
        load_identity(tmp_path / "office.agekey")
    (tmp_path / "public.txt").write_text(f"# the public half\n{RECIPIENT}\n")
    with pytest.raises(ProblemsFound) as raised:
        load_identity(tmp_path / "public.txt")
    assert raised.value.problems[0].line == 2
    assert "holds the public key, not the private one" in str(raised.value)


def test_instructions_say_where_each_half_goes(tmp_path):
    path, recipient = write_keypair(tmp_path)
    text = keygen_instructions(path, recipient)
    assert str(path) in text and f"FORMS_AGE_RECIPIENT={recipient}" in text
    assert "never in the repository" in text and "offline copy" in text
    assert "AGE-SECRET-KEY" not in text
