"""Synthetic people for the FS sandbox: Norwegian names, valid fødselsnummer, Feide names.

Faker supplies the names (its Norwegian locale is ``no_NO``); everything else comes from the
generator's own ``random.Random`` so that one seed always gives the same university. Contact
details are sometimes missing on purpose: real FS data has students without a phone or a
private address, and clients must cope.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from faker import Faker

from edusync.model import fnr
from edusync.sandbox.fs.model import Contact, Person

_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def _slug(text: str) -> str:
    """Lower-case ASCII letters only, for usernames and addresses."""
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return "".join(c for c in text.lower() if "a" <= c <= "z")


class PeopleFactory:
    """Makes students and employees with unique personløpenummer, fødselsnummer and Feide names."""

    def __init__(self, rng: random.Random, seed: int, realm: str) -> None:
        self._rng = rng
        self._fake = Faker("no_NO")
        self._fake.seed_instance(seed)
        self._realm = realm
        self._next_lopenr = 100_000 + rng.randint(0, 50_000)
        self._usernames: set[str] = set()
        self._fnrs: set[str] = set()

    def student(self) -> Person:
        born = self._birth_date(1994, 2006)
        return self._person(
            born,
            realm=self._realm,
            mail_domain=f"student.{self._realm}",
            missing=(0.01, 0.35, 0.12),
            languages=(("nb", 80), ("nn", 8), ("en", 12)),
        )

    def employee(self, realm: str | None = None) -> Person:
        """An employee of this university, or of another one when ``realm`` is given (external sensor)."""
        realm = realm or self._realm
        born = self._birth_date(1955, 1992)
        return self._person(
            born, realm=realm, mail_domain=realm, missing=(0.0, 0.8, 0.2), languages=(("nb", 85), ("en", 15))
        )

    def _birth_date(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1)
        span = (dt.date(last_year, 12, 31) - start).days
        return start + dt.timedelta(days=self._rng.randint(0, span))

    def _person(
        self,
        born: dt.date,
        *,
        realm: str,
        mail_domain: str,
        missing: tuple[float, float, float],
        languages: tuple[tuple[str, int], ...],
    ) -> Person:
        rng = self._rng
        female = rng.random() < 0.55
        first = self._fake.first_name_female() if female else self._fake.first_name_male()
        last = self._fake.last_name()
        username = self._username(first, last)
        self._next_lopenr += rng.randint(1, 7)
        no_mail, no_private, no_phone = missing
        contact = Contact(
            epost=None if rng.random() < no_mail else f"{username}@{mail_domain}",
            epost_privat=None
            if rng.random() < no_private
            else f"{_slug(first)}.{_slug(last)}{rng.randint(1, 99)}@example.net",
            telefonnr=None if rng.random() < no_phone else f"+47{rng.choice('49')}{rng.randint(0, 9_999_999):07d}",
        )
        codes, weights = zip(*languages, strict=True)
        return Person(
            personlopenummer=self._next_lopenr,
            fnr=self._unique_fnr(born, female),
            fornavn=first,
            etternavn=last,
            brukernavn=f"{username}@{realm}",
            kontakt=contact,
            sprak=rng.choices(codes, weights)[0],
        )

    def _username(self, first: str, last: str) -> str:
        stem = (_slug(first)[:3] + _slug(last)[:3]) or "user"
        while True:
            candidate = f"{stem}{self._rng.randint(1, 9999):04d}"
            if candidate not in self._usernames:
                self._usernames.add(candidate)
                return candidate

    def _unique_fnr(self, born: dt.date, female: bool) -> str:
        while True:
            number = fnr.generate(born, self._rng, female=female)
            if number not in self._fnrs:
                self._fnrs.add(number)
                return number
