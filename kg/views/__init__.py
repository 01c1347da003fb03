"""Views of a built graph: an interactive page for any neighbourhood (`view`), a static site of it all (`site`).

Both are plain functions over a built graph folder; `kg view` and `kg site` are thin shells over them.
"""

from kg.views.render import TYPE_STYLE, render_view, vis_data
from kg.views.standalone import view
from kg.views.subgraph import NameIndex, find_node, neighbourhood
from kg.views.website import SiteReport, site, write_site

__all__ = [
    "view",
    "site",
    "write_site",
    "SiteReport",
    "render_view",
    "vis_data",
    "find_node",
    "neighbourhood",
    "NameIndex",
    "TYPE_STYLE",
]
