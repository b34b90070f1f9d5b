"""What each role may do with shifts and handovers (synced to the groups after every migrate)."""

ROLE_PERMISSIONS = {
    "agent": ["shifts.view_shift", "shifts.view_shifttemplate"],
    "shift_lead": [
        "shifts.view_shift", "shifts.add_shift", "shifts.change_shift", "shifts.view_shifttemplate",
        "shifts.view_handover",
    ],
    "supervisor": [
        "shifts.view_shift", "shifts.add_shift", "shifts.change_shift", "shifts.view_shifttemplate",
        "shifts.change_shifttemplate", "shifts.view_handover", "shifts.supervise_handover",
    ],
    "manager": ["shifts.view_shift", "shifts.view_shifttemplate", "shifts.view_handover"],
}
