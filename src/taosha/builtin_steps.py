"""Imports every module that registers a built-in step, so that the registry (`taosha.step.REGISTRY`) is complete.

Not to be confused with `taosha.step`, the step contract itself.
"""

from taosha.clean import boilerplate as _boilerplate  # noqa: F401
from taosha.clean import compilation as _compilation  # noqa: F401
from taosha.clean import frequent as _frequent  # noqa: F401
from taosha.clean import placeholders as _placeholders  # noqa: F401
from taosha.clean import structure as _structure  # noqa: F401
from taosha.dedup import exact as _exact  # noqa: F401
from taosha.dedup import near as _near  # noqa: F401
from taosha.dedup import paragraphs as _paragraphs  # noqa: F401
from taosha.extract import html as _extract_html  # noqa: F401
from taosha.filter import basic as _basic  # noqa: F401
from taosha.filter import quality as _quality  # noqa: F401
from taosha.pii import mask as _pii_mask  # noqa: F401
from taosha.repair import mojibake as _mojibake  # noqa: F401
from taosha.repair import pinyin as _pinyin  # noqa: F401
from taosha.repair import script as _script  # noqa: F401
from taosha.repair import unicode as _unicode  # noqa: F401
