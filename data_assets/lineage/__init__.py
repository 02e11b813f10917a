"""Row lineage: every stage writes edges from derived rows to their parents."""

from data_assets.lineage.edges import EDGE_COLUMNS, edges_frame, replace_stage_edges, trace

__all__ = ["EDGE_COLUMNS", "edges_frame", "replace_stage_edges", "trace"]
