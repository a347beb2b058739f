"""Synthetic Norwegian people: names with æøå, valid fødselsnumre, addresses, phones, usernames.

Faker is slow per call (tens of microseconds), and the big county needs 100 000
people, so Faker (locale ``no_NO``, the Bokmål one; Faker has no ``nb_NO``) only
fills pools once per seed; each person is then a few ``rng.choice`` calls.
Everything is drawn from the seeded ``random.Random`` so a seed always gives the
same county.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from faker import Faker

from edusync.model import fnr
from edusync.sandbox.fint.records import Address, Person

# Extra family and given names so that 100 000 people do not share a few hundred
# full names, and so that æ, ø, å, hyphens and double names are all common.
_EXTRA_LAST = (
    "Aasen",
    "Bråten",
    "Dæhli",
    "Fjærli",
    "Grønli",
    "Haugen",
    "Kråkenes",
    "Lægreid",
    "Løvås",
    "Mæland",
    "Nærø",
    "Øvrebø",
    "Rød",
    "Sæbø",
    "Sørli",
    "Tveitå",
    "Vågen",
    "Ås",
    "Ødegård-Lie",
)
_EXTRA_FIRST = (
    "Åsmund",
    "Ærle",
    "Bjørnar",
    "Brynjulf",
    "Gjertrud",
    "Ingrid",
    "Kjærsti",
    "Mali",
    "Mæhre",
    "Sølvi",
    "Trygve",
    "Øydis",
    "Åshild",
    "Anne-Marie",
    "Jens Petter",
)
_FARM_SUFFIXES = ("rud", "stad", "li", "heim", "set", "vik", "land", "bakken", "haug", "gård", "dal", "nes")
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "AE", "Ø": "O", "Å": "A"})


def ascii_fold(text: str) -> str:
    """``"Ødegård-Lie"`` → ``"odegardlie"``: the letters a username may use."""
    text = text.translate(_ASCII)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


class PersonFactory:
    """Makes :class:`Person` rows; never repeats a fødselsnummer or a username."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        fake = Faker("no_NO")
        fake.seed_instance(seed)
        provider = fake.provider("faker.providers.person")
        female = list(getattr(provider, "first_names_female", ())) or ["Kari"]
        male = list(getattr(provider, "first_names_male", ())) or ["Ola"]
        self.female = female + [n for n in _EXTRA_FIRST if n[-1] in "aiedt"]
        self.male = male + [n for n in _EXTRA_FIRST if n[-1] not in "aiedt"]
        base_last = list(getattr(provider, "last_names", ())) or ["Nordmann"]
        farms = {fake.first_name() + rng.choice(_FARM_SUFFIXES).lower() for _ in range(400)}
        self.last = sorted(set(base_last) | set(_EXTRA_LAST) | {f.capitalize() for f in farms})
        self.streets = sorted({fake.street_name() for _ in range(1500)})
        self.places = sorted({(fake.postcode(), fake.city()) for _ in range(400)})
        self._fnr: set[str] = set()
        self._usernames: set[str] = set()

    def person(self, born: dt.date, owner: int, *, mobile_ratio: float = 0.93) -> Person:
        """A person born on ``born``; a quarter have a middle name, some lack a mobile."""
        rng = self.rng
        female = rng.random() < 0.5
        fornavn = rng.choice(self.female if female else self.male)
        if rng.random() < 0.12:  # double given names are common in Norway
            fornavn = f"{fornavn} {rng.choice(self.female if female else self.male)}"
        mellomnavn = rng.choice(self.last) if rng.random() < 0.25 else None
        etternavn = rng.choice(self.last)
        if rng.random() < 0.04:
            etternavn = f"{etternavn}-{rng.choice(self.last)}"
        mobil = self.mobile() if rng.random() < mobile_ratio else None
        return Person(fornavn, mellomnavn, etternavn, born.isoformat(), mobil, None, self.address(), owner)

    def fodselsnummer(self, born: dt.date) -> str:
        """A valid, so far unused fødselsnummer for ``born``."""
        while True:
            value = fnr.generate(born, self.rng)
            if value not in self._fnr:
                self._fnr.add(value)
                return value

    def address(self) -> Address:
        rng = self.rng
        number = f"{rng.randint(1, 120)}{rng.choice(('', '', '', 'A', 'B'))}"
        postnr, poststed = rng.choice(self.places)
        return (f"{rng.choice(self.streets)} {number}", postnr, poststed)

    def mobile(self) -> str:
        """A Norwegian mobile number: eight digits starting with 4 or 9."""
        return f"{self.rng.choice('49')}{self.rng.randrange(10_000_000):07d}"

    def username(self, person: Person, *, digits: bool) -> str:
        """``olanor`` (staff) or ``olanor0412`` (pupils), unique within the county."""
        stem = (ascii_fold(person.fornavn)[:3] + ascii_fold(person.etternavn)[:3]) or "bruker"
        while True:
            name = f"{stem}{self.rng.randrange(10_000):04d}" if digits else stem
            if name not in self._usernames:
                self._usernames.add(name)
                return name
            digits = True

    def birthday(self, year: int) -> dt.date:
        return dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
