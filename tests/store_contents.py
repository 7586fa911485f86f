"""What a store holds, as frames to compare two stores filled by different paths (pools, command line, cluster)."""
from parsing.store import Store


def stored(path):
    """The reports (without their times), every value and every finding (notes too) of the store at ``path``, each
    sorted by its key."""
    with Store(path) as s:
        reports = s.list_reports().drop(columns=["added_at", "parsed_at"]).sort_values("sha256")
        values = s.values_long(current_only=False).sort_values(["sha256", "table", "row", "column"])
        findings = s.findings(include_notes=True).sort_values(["sha256", "kind", "finding_key"])
    return [df.reset_index(drop=True) for df in (reports, values, findings)]
