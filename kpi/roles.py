"""What each role may do in the ledger (synced to the groups after every migrate)."""

ROLE_PERMISSIONS = {
    "agent": ["kpi.view_penaltyrule"],
    "shift_lead": ["kpi.view_ledgerentry", "kpi.view_penaltyrule", "kpi.post_manual_entry", "kpi.view_wallboard"],
    "supervisor": [
        "kpi.view_ledgerentry", "kpi.view_penaltyrule", "kpi.change_penaltyrule", "kpi.post_manual_entry",
        "kpi.set_entry_amount", "kpi.reverse_ledgerentry", "kpi.export_report", "kpi.view_reportrun", "kpi.view_audit",
        "kpi.view_wallboard",
    ],
    "manager": ["kpi.view_ledgerentry", "kpi.view_penaltyrule", "kpi.export_report", "kpi.view_reportrun",
                "kpi.view_audit", "kpi.view_wallboard"],
}
