# The `ticket` package: everything comes from the compiled extension `ticket._ticket`, which
# stays an implementation detail (no `ticket.ticket` or `ticket._ticket` attribute is left).
from . import _ticket
from ._ticket import *  # noqa: F401,F403

__doc__ = _ticket.__doc__
__version__: str = _ticket.__version__
__features__: "list[str]" = _ticket.__features__
del _ticket
