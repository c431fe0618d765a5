"""The atlas's exception hierarchy.

Every message says what was expected, what arrived and how to fix it. The app
turns any :class:`AtlasError` into a readable message; nothing else reaches users.
"""

from __future__ import annotations

__all__ = [
    "AtlasError",
    "UnknownAreaCodeError",
    "UnknownIndicatorError",
    "UnknownLevelError",
    "UnknownVintageError",
    "VintageMismatchError",
    "DataUnavailableError",
    "RawFileMissingError",
    "ValidationError",
    "UploadError",
    "UploadLimitError",
    "RefreshError",
    "RuleError",
]


class AtlasError(Exception):
    """Base class for every error the atlas raises on purpose."""


class UnknownAreaCodeError(AtlasError, KeyError):
    """An area code that is not in the boundary set asked for."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class UnknownIndicatorError(AtlasError, KeyError):
    """An indicator id that is not in the catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownLevelError(AtlasError, ValueError):
    """A geography level the atlas does not hold."""


class UnknownVintageError(AtlasError, ValueError):
    """A vintage that does not exist for the level asked for."""


class VintageMismatchError(AtlasError, ValueError):
    """Codes of one vintage used where another vintage was expected."""


class DataUnavailableError(AtlasError, LookupError):
    """A valid request for a combination the data does not hold."""


class RawFileMissingError(AtlasError, FileNotFoundError):
    """A raw public file that ``python -m geo build`` needs is not there."""


class ValidationError(AtlasError, ValueError):
    """Built data that fails a validation check."""


class UploadError(AtlasError, ValueError):
    """A file or parameter supplied by a user that cannot be used."""


class UploadLimitError(UploadError):
    """A user's file past a cap on what one upload may hold or cost (rows, cells, unpacked size, memory, time)."""

    @classmethod
    def over(cls, cap: str, found: str, limit: str) -> UploadLimitError:
        """The one-line refusal: which cap, what the file holds, and the fix.

        >>> print(UploadLimitError.over("row", "the file has more than 60,015 rows", "60,015 rows"))
        Over the row cap: the file has more than 60,015 rows, where at most 60,015 rows are read;
        save only the table you want to map as CSV and upload that.
        """
        return cls(f"Over the {cap} cap: {found}, where at most {limit} are read; "
                   "save only the table you want to map as CSV and upload that.")


class RuleError(AtlasError, ValueError):
    """A targeting rule that cannot be read, or names what the rule language does not allow."""


class RefreshError(AtlasError, OSError):
    """Fresh figures that could not be downloaded or used; the data in use is unchanged."""
