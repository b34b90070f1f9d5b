"""The permissions each role (a Django group) gets from this app. Synced after every migrate."""

ROLE_PERMISSIONS = {
    "agent": [
        "tickets.take_calls", "tickets.view_workorder", "tickets.add_workorder",
        "tickets.view_customer", "tickets.add_customer", "tickets.change_customer",
        "tickets.view_call", "tickets.add_call", "tickets.view_callback",
        "tickets.view_unit", "tickets.view_department",
        "tickets.view_outagenotice", "tickets.add_outagenotice",
    ],
    "shift_lead": [
        "tickets.take_calls", "tickets.cancel_order", "tickets.view_all_orders", "tickets.view_workorder",
        "tickets.add_workorder", "tickets.view_customer", "tickets.add_customer", "tickets.change_customer",
        "tickets.view_call", "tickets.add_call", "tickets.view_callback",
        "tickets.view_unit", "tickets.view_department", "tickets.view_user",
        "tickets.view_outagenotice", "tickets.add_outagenotice",
    ],
    "department_handler": [
        "tickets.handle_department", "tickets.view_workorder", "tickets.view_unit", "tickets.view_department",
    ],
    "supervisor": [
        "tickets.take_calls", "tickets.cancel_order", "tickets.view_all_orders", "tickets.view_workorder",
        "tickets.add_workorder", "tickets.view_customer", "tickets.add_customer", "tickets.change_customer",
        "tickets.view_call", "tickets.add_call", "tickets.view_callback", "tickets.view_workordertransition",
        "tickets.view_unit", "tickets.view_department", "tickets.view_user",
        "tickets.view_slapolicy", "tickets.change_slapolicy", "tickets.add_slapolicy",
        "tickets.view_outagenotice", "tickets.add_outagenotice",
    ],
    "manager": [
        "tickets.view_all_orders", "tickets.view_workorder", "tickets.view_customer", "tickets.view_call",
        "tickets.view_callback", "tickets.view_unit", "tickets.view_department", "tickets.view_user",
        "tickets.view_slapolicy", "tickets.view_outagenotice",
    ],
}
