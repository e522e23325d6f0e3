"""Turn the kernel's log (lists of tuples) into tables column by column, emptying the lists.

``pandas.DataFrame(list_of_tuples)`` guesses every column's type from the whole log; a city
day logs millions of rows. Here the tuples go once into an object matrix (pointers), the
log's list is emptied at once (its tuples are freed while the next table is built), and
each column is converted with its known type (float, int, bool, or text that pandas stores
as its string type, as before).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["frame_of"]

_DTYPES = {"f": np.float64, "i": np.int64, "b": np.bool_, "o": object}


def frame_of(rows: list[tuple[Any, ...]], columns: list[str], kinds: str) -> pd.DataFrame:
    """Return the rows as a table and empty ``rows``.

    Parameters
    ----------
    rows : list of tuple
        A list of the kernel's :class:`~fleetopt.simulation.kernel.Log` (emptied here).
    columns : list of str
        Column names, one per tuple field.
    kinds : str
        One letter per column: ``f`` float, ``i`` integer, ``b`` bool, ``o`` text (or other
        objects, typed by pandas).

    Returns
    -------
    pandas.DataFrame
        The same table as ``pandas.DataFrame(rows, columns=columns)`` (an empty log gives
        exactly that).
    """
    if not rows:
        return pd.DataFrame(rows, columns=columns)
    matrix = np.empty((len(rows), len(columns)), dtype=object)
    matrix[:] = rows  # one pass over the tuples (pointers, no copies of the values)
    rows.clear()
    data: dict[str, Any] = {
        name: matrix[:, j].astype(_DTYPES[kind])
        for j, (name, kind) in enumerate(zip(columns, kinds, strict=True))
    }
    del matrix
    return pd.DataFrame(data)
