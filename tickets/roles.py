"""The permissions each role (a Django group) gets from this app. Synced after every migrate."""

# Service language 规范用语 / 服务禁语: everyone who writes to customers reads the lists; supervisors edit them.
_VIEW_PHRASES = ["tickets.view_standardphrase", "tickets.view_forbiddenphrase"]
_EDIT_PHRASES = [
    *_VIEW_PHRASES,
    "tickets.add_standardphrase", "tickets.change_standardphrase", "tickets.delete_standardphrase",
    "tickets.add_forbiddenphrase", "tickets.change_forbiddenphrase", "tickets.delete_forbiddenphrase",
]

ROLE_PERMISSIONS = {
    "agent": [
        "tickets.take_calls", "tickets.view_workorder", "tickets.add_workorder",
        "tickets.view_customer", "tickets.add_customer", "tickets.change_customer",
        "tickets.view_call", "tickets.add_call", "tickets.view_callback",
        "tickets.view_unit", "tickets.view_department",
        "tickets.view_outagenotice", "tickets.add_outagenotice",
        *_VIEW_PHRASES,
    ],
    "shift_lead": [
        "tickets.take_calls", "tickets.cancel_order", "tickets.view_all_orders", "tickets.view_workorder",
        "tickets.add_workorder", "tickets.view_customer", "tickets.add_customer", "tickets.change_customer",
        "tickets.view_call", "tickets.add_call", "tickets.view_callback",
        "tickets.view_unit", "tickets.view_department", "tickets.view_user",
        "tickets.view_outagenotice", "tickets.add_outagenotice",
        *_VIEW_PHRASES,
    ],
    "department_handler": [
        "tickets.handle_department", "tickets.view_workorder", "tickets.view_unit", "tickets.view_department",
        *_VIEW_PHRASES,
    ],
    "supervisor": [
        "tickets.take_calls", "tickets.cancel_order", "tickets.view_all_orders", "tickets.view_workorder",
        "tickets.add_workorder", "tickets.view_customer", "tickets.add_customer", "tickets.change_customer",
        "tickets.view_call", "tickets.add_call", "tickets.view_callback", "tickets.view_workordertransition",
        "tickets.view_unit", "tickets.view_department", "tickets.view_user",
        "tickets.view_slapolicy", "tickets.change_slapolicy", "tickets.add_slapolicy",
        "tickets.view_outagenotice", "tickets.add_outagenotice",
        *_EDIT_PHRASES,
        # The State Council's holiday arrangement of each year (admin, manage.py import_holidays).
        "tickets.view_calendaryear", "tickets.add_calendaryear", "tickets.change_calendaryear",
        "tickets.view_calendarday", "tickets.add_calendarday", "tickets.change_calendarday",
        "tickets.delete_calendarday",
        # Surge detection: N repair calls within M minutes propose an outage notice (issue 18).
        "tickets.view_surgerule", "tickets.change_surgerule",
        # Text messages to customers: the templates (words, kinds, the provider's codes) and the message log.
        "tickets.view_smstemplate", "tickets.change_smstemplate", "tickets.view_smsmessage",
        "tickets.change_smsmessage",
    ],
    "manager": [
        "tickets.view_all_orders", "tickets.view_workorder", "tickets.view_customer", "tickets.view_call",
        "tickets.view_callback", "tickets.view_unit", "tickets.view_department", "tickets.view_user",
        "tickets.view_slapolicy", "tickets.view_outagenotice", *_VIEW_PHRASES,
    ],
    # The telephony system (a service account: API token only, no pages): logs the calls of every seat and reads
    # them back. It never takes calls itself (no tickets.take_calls), so it is never charged.
    "telephony": ["tickets.add_call", "tickets.view_call", "tickets.log_any_call"],
}
