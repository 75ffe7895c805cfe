"""Type aliases shared across shelfgraph's public signatures."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    import scipy.sparse as sp

#: An original user or item id: an int, a string such as ``"85123A"``, ...
Id = Hashable
#: Several ids, in any sequence or array form.
IdArray = Sequence[Hashable] | npt.NDArray[Any] | pd.Index | pd.Series
#: A path given as a string or a ``PathLike``.
PathType = Union[str, "PathLike[str]"]
#: A dense float32 matrix such as an embedding table.
FloatMatrix = npt.NDArray[np.float32]
#: A pandas or Polars frame; Polars is optional.
FrameLike = Any
#: A sparse user x item matrix.
SparseMatrix = Union["sp.csr_matrix", "sp.csr_array"]
