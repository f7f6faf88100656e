"""OpenAPI links of /api/v1/openapi.json: how the answer of one operation gives the values
another one needs (a created service's id and ETag to read, change and submit it, a goal's
id to add an action to it, a registration's id to check it in). They document the API's
workflows for client authors, and schemathesis follows them in its stateful tests
(tests/test_api_stateful.py), chaining real ids instead of guessing numbers that answer 404.

The links are kept here in one table, apart from each feature's paths, because they run
across features (``/me`` leads to the caller's authority) and a link to an operation that
no longer exists must fail the document's test, not be dropped silently.
"""

from __future__ import annotations

# (source path, method, status) -> {link name: (target path, method, parameters[, body])}.
# Parameters and the fields of a body are OpenAPI runtime expressions:
# $response.body#/json-pointer, $response.header.<name> or $request.path.<name>.
LINKS: dict[tuple[str, str, str], dict[str, tuple]] = {
    ("/me", "get", "200"): {
        "CallersAuthority": ("/authorities/{code}", "get", {"code": "$response.body#/authority"}),
        "CallersWork": ("/me/work", "get", {}),
        "ChangesCallerMayRead": ("/changes", "get", {}),
        "SignalsCallerMayRead": ("/signals", "get", {}),
    },
    ("/signals", "get", "200"): {
        "FirstSignal": ("/signals/{signal_id}", "get", {"signal_id": "$response.body#/items/0/id"}),
        "SignalFigures": ("/signals/indicators", "get", {}),
        "WriteASignal": ("/signals", "post", {}),
    },
    ("/signals", "post", "201"): {
        "TheNewSignal": ("/signals/{signal_id}", "get", {"signal_id": "$response.body#/id"}),
    },
    ("/signals/{signal_id}", "get", "200"): {
        "ChangeTheSignal": (
            "/signals/{signal_id}",
            "patch",
            {"signal_id": "$request.path.signal_id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/changes", "get", "200"): {
        # Polling: the next page, or later what came since (the same cursor while nothing).
        "NextChanges": ("/changes", "get", {"since": "$response.body#/next"}),
    },
    ("/authorities/{code}", "get", "200"): {
        "ChangeProfile": (
            "/authorities/{code}",
            "patch",
            {"code": "$request.path.code", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/coverage", "get", "200"): {
        # A gap (a prison open that year and a domain without a service) is where a need
        # is signalled (strategic plan, goal 5.1).
        "SignalNeedInFirstGap": (
            "/needs",
            "post",
            {},
            {"prison": "$response.body#/gaps/0/prison", "domain": "$response.body#/gaps/0/domain"},
        ),
    },
    ("/needs", "post", "201"): {
        "NeedsOfTheSamePrison": ("/needs", "get", {"prison": "$response.body#/prison"}),
    },
    ("/needs", "get", "200"): {
        "GoalOfFirstNeed": (
            "/goals/{goal_id}",
            "get",
            {"goal_id": "$response.body#/items/0/goal_id"},
        ),
    },
    ("/services", "get", "200"): {
        "FirstService": (
            "/services/{service_id}",
            "get",
            {"service_id": "$response.body#/items/0/id"},
        ),
    },
    ("/services", "post", "201"): {
        "ReadNewService": ("/services/{service_id}", "get", {"service_id": "$response.body#/id"}),
        "ChangeNewService": (
            "/services/{service_id}",
            "patch",
            {"service_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
        "SubmitNewService": (
            "/services/{service_id}/submit",
            "post",
            {"service_id": "$response.body#/id"},
        ),
    },
    ("/services/{service_id}", "get", "200"): {
        "ChangeService": (
            "/services/{service_id}",
            "patch",
            {"service_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
        "SubmitService": (
            "/services/{service_id}/submit",
            "post",
            {"service_id": "$response.body#/id"},
        ),
    },
    ("/services/{service_id}", "patch", "200"): {
        "SubmitChangedService": (
            "/services/{service_id}/submit",
            "post",
            {"service_id": "$response.body#/id"},
        ),
    },
    ("/services/{service_id}/submit", "post", "200"): {
        "ApproveService": (
            "/services/{service_id}/approve",
            "post",
            {"service_id": "$response.body#/id"},
        ),
        "ReturnService": (
            "/services/{service_id}/return",
            "post",
            {"service_id": "$response.body#/id"},
        ),
    },
    ("/services/{service_id}/return", "post", "200"): {
        "ReadReturnedService": (
            "/services/{service_id}",
            "get",
            {"service_id": "$response.body#/id"},
        ),
    },
    ("/services/{service_id}/approve", "post", "200"): {
        "ReadApprovedService": (
            "/services/{service_id}",
            "get",
            {"service_id": "$response.body#/id"},
        ),
    },
    ("/bodies", "get", "200"): {
        "MeetingOfFirstBody": (
            "/meetings",
            "post",
            {},
            {"body": "$response.body#/items/0/code"},
        ),
    },
    ("/decisions", "get", "200"): {
        "MeetingOfFirstDecision": (
            "/meetings/{meeting_id}",
            "get",
            {"meeting_id": "$response.body#/items/0/meeting_id"},
        ),
    },
    ("/meetings", "get", "200"): {
        "FirstMeeting": (
            "/meetings/{meeting_id}",
            "get",
            {"meeting_id": "$response.body#/items/0/id"},
        ),
    },
    ("/meetings", "post", "201"): {
        "ReadNewMeeting": ("/meetings/{meeting_id}", "get", {"meeting_id": "$response.body#/id"}),
        "AgendaOfNewMeeting": (
            "/meetings/{meeting_id}/agenda",
            "post",
            {"meeting_id": "$response.body#/id"},
        ),
    },
    ("/meetings/{meeting_id}", "get", "200"): {
        "AddAgendaItem": (
            "/meetings/{meeting_id}/agenda",
            "post",
            {"meeting_id": "$response.body#/id"},
        ),
        "MeetingMinutes": (
            "/meetings/{meeting_id}/minutes",
            "get",
            {"meeting_id": "$response.body#/id"},
        ),
    },
    # The round of remarks on draft minutes: the minutes' id and version lead to their
    # remarks and to sending them for remarks; a remark's id and ETag to changing it,
    # withdrawing it and marking it dealt with.
    ("/meetings/{meeting_id}/minutes", "get", "200"): {
        "RemarksOnMinutes": (
            "/minutes/{minutes_id}/remarks",
            "get",
            {"minutes_id": "$response.body#/id"},
        ),
        "RemarkOnMinutes": (
            "/minutes/{minutes_id}/remarks",
            "post",
            {"minutes_id": "$response.body#/id"},
        ),
        "SendMinutesForRemarks": (
            "/minutes/{minutes_id}/round",
            "post",
            {"minutes_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/minutes", "get", "200"): {
        "RemarksOnFirstDraft": (
            "/minutes/{minutes_id}/remarks",
            "get",
            {"minutes_id": "$response.body#/items/0/minutes_id"},
        ),
        "RemarkOnFirstDraft": (
            "/minutes/{minutes_id}/remarks",
            "post",
            {"minutes_id": "$response.body#/items/0/minutes_id"},
        ),
    },
    ("/minutes/{minutes_id}/remarks", "get", "200"): {
        "FirstRemark": (
            "/remarks/{remark_id}",
            "get",
            {"remark_id": "$response.body#/remarks/0/id"},
        ),
        "AddRemark": (
            "/minutes/{minutes_id}/remarks",
            "post",
            {"minutes_id": "$response.body#/minutes_id"},
        ),
        "SendForRemarks": (
            "/minutes/{minutes_id}/round",
            "post",
            {"minutes_id": "$response.body#/minutes_id", "If-Match": "$response.header.ETag"},
        ),
        "RoundOfMinutes": (
            "/minutes/{minutes_id}/round",
            "get",
            {"minutes_id": "$response.body#/minutes_id"},
        ),
    },
    ("/minutes/{minutes_id}/round", "get", "200"): {
        "SendAgainForRemarks": (
            "/minutes/{minutes_id}/round",
            "post",
            {"minutes_id": "$response.body#/minutes_id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/minutes/{minutes_id}/round", "post", "200"): {
        "RemarksOfSentMinutes": (
            "/minutes/{minutes_id}/remarks",
            "get",
            {"minutes_id": "$response.body#/minutes_id"},
        ),
    },
    ("/minutes/{minutes_id}/remarks", "post", "201"): {
        "ReadNewRemark": ("/remarks/{remark_id}", "get", {"remark_id": "$response.body#/id"}),
        "ChangeNewRemark": (
            "/remarks/{remark_id}",
            "patch",
            {"remark_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
        "HandleNewRemark": (
            "/remarks/{remark_id}/handling",
            "put",
            {"remark_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
        "WithdrawNewRemark": (
            "/remarks/{remark_id}",
            "delete",
            {"remark_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/remarks/{remark_id}", "get", "200"): {
        "ChangeRemark": (
            "/remarks/{remark_id}",
            "patch",
            {"remark_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
        "HandleRemark": (
            "/remarks/{remark_id}/handling",
            "put",
            {"remark_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
        "WithdrawRemark": (
            "/remarks/{remark_id}",
            "delete",
            {"remark_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/meetings/{meeting_id}/agenda", "post", "201"): {
        "ReadMeetingWithItem": (
            "/meetings/{meeting_id}",
            "get",
            {"meeting_id": "$request.path.meeting_id"},
        ),
    },
    ("/actions", "get", "200"): {
        "FirstAction": ("/actions/{action_id}", "get", {"action_id": "$response.body#/items/0/id"}),
    },
    ("/actions/{action_id}", "get", "200"): {
        "UpdateAction": (
            "/actions/{action_id}",
            "patch",
            {"action_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/plans", "get", "200"): {
        "FirstPlan": ("/plans/{code}", "get", {"code": "$response.body#/items/0/code"}),
        "FirstPlanDashboard": (
            "/plans/{code}/dashboard",
            "get",
            {"code": "$response.body#/items/0/code"},
        ),
        "PlanFirstPlansFirstYear": (
            "/plans/{code}/years/{year}/items",
            "post",
            {"code": "$response.body#/items/0/code", "year": "$response.body#/items/0/start_year"},
        ),
    },
    ("/plans/{code}/years/{year}/items", "post", "201"): {
        "ReadYearPlan": (
            "/plans/{code}/years/{year}",
            "get",
            {"code": "$request.path.code", "year": "$request.path.year"},
        ),
        "AdoptYearPlan": (
            "/plans/{code}/years/{year}/adopt",
            "post",
            {"code": "$request.path.code", "year": "$request.path.year"},
        ),
    },
    ("/plans/{code}", "get", "200"): {
        "FirstGoal": ("/goals/{goal_id}", "get", {"goal_id": "$response.body#/goals/0/id"}),
        "FirstOperationalGoal": (
            "/goals/{goal_id}",
            "get",
            {"goal_id": "$response.body#/goals/0/goals/0/id"},
        ),
        "ActionForFirstOperationalGoal": (
            "/goals/{goal_id}/actions",
            "post",
            {"goal_id": "$response.body#/goals/0/goals/0/id"},
        ),
        "IndicatorForFirstOperationalGoal": (
            "/goals/{goal_id}/indicators",
            "post",
            {"goal_id": "$response.body#/goals/0/goals/0/id"},
        ),
        "EvaluateFirstOperationalGoal": (
            "/goals/{goal_id}/evaluations",
            "post",
            {"goal_id": "$response.body#/goals/0/goals/0/id"},
        ),
    },
    ("/plans/{code}/years/{year}", "get", "200"): {
        "PutActionInYear": (
            "/plans/{code}/years/{year}/items",
            "post",
            {"code": "$request.path.code", "year": "$request.path.year"},
        ),
        "AdoptYear": (
            "/plans/{code}/years/{year}/adopt",
            "post",
            {"code": "$request.path.code", "year": "$request.path.year"},
        ),
    },
    ("/goals/{goal_id}", "get", "200"): {
        "MoveGoal": ("/goals/{goal_id}", "patch", {"goal_id": "$response.body#/id"}),
        "AddPlanAction": ("/goals/{goal_id}/actions", "post", {"goal_id": "$response.body#/id"}),
        "AddIndicator": ("/goals/{goal_id}/indicators", "post", {"goal_id": "$response.body#/id"}),
        "EvaluateGoal": ("/goals/{goal_id}/evaluations", "post", {"goal_id": "$response.body#/id"}),
        "GoalsFirstAction": (
            "/plan-actions/{action_id}",
            "get",
            {"action_id": "$response.body#/actions/0/id"},
        ),
    },
    ("/goals/{goal_id}/actions", "post", "201"): {
        "ReadNewPlanAction": (
            "/plan-actions/{action_id}",
            "get",
            {"action_id": "$response.body#/id"},
        ),
        "ChangeNewPlanAction": (
            "/plan-actions/{action_id}",
            "patch",
            {"action_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/plan-actions/{action_id}", "get", "200"): {
        "ChangePlanAction": (
            "/plan-actions/{action_id}",
            "patch",
            {"action_id": "$response.body#/id", "If-Match": "$response.header.ETag"},
        ),
    },
    ("/goals/{goal_id}/indicators", "post", "201"): {
        "SetIndicatorValue": (
            "/indicators/{indicator_id}/values/{year}",
            "put",
            {"indicator_id": "$response.body#/id"},
        ),
    },
    ("/goals/{goal_id}/evaluations", "post", "201"): {
        "ApproveEvaluation": (
            "/evaluations/{evaluation_id}/approve",
            "post",
            {"evaluation_id": "$response.body#/id"},
        ),
    },
    ("/study-days/statistics", "get", "200"): {
        "FirstYearsStudyDay": (
            "/study-days/{year}",
            "get",
            {"year": "$response.body#/items/0/year"},
        ),
    },
    ("/events", "get", "200"): {
        "FirstEvent": ("/events/{event_id}", "get", {"event_id": "$response.body#/items/0/id"}),
    },
    ("/events/statistics", "get", "200"): {
        "FirstCountedEvent": (
            "/events/{event_id}",
            "get",
            {"event_id": "$response.body#/events/0/id"},
        ),
    },
    ("/events/{event_id}", "get", "200"): {
        "EventRegistrations": (
            "/events/{event_id}/registrations",
            "get",
            {"event_id": "$response.body#/id"},
        ),
        "RegisterForEvent": (
            "/events/{event_id}/registrations",
            "post",
            {"event_id": "$response.body#/id"},
        ),
    },
    ("/events/{event_id}/registrations", "get", "200"): {
        "CheckInFirstOfEvent": (
            "/registrations/{registration_id}/check-in",
            "post",
            {"registration_id": "$response.body#/items/0/id"},
        ),
    },
    ("/events/{event_id}/registrations", "post", "201"): {
        "CheckInNewOfEvent": (
            "/registrations/{registration_id}/check-in",
            "post",
            {"registration_id": "$response.body#/id"},
        ),
    },
    ("/study-days", "get", "200"): {
        "FirstStudyDay": ("/study-days/{year}", "get", {"year": "$response.body#/items/0/year"}),
    },
    ("/study-days/{year}", "get", "200"): {
        "StudyDayRegistrations": (
            "/study-days/{year}/registrations",
            "get",
            {"year": "$response.body#/year"},
        ),
        "RegisterForStudyDay": (
            "/study-days/{year}/registrations",
            "post",
            {"year": "$response.body#/year"},
        ),
    },
    ("/study-days/{year}/registrations", "get", "200"): {
        "CheckInFirst": (
            "/registrations/{registration_id}/check-in",
            "post",
            {"registration_id": "$response.body#/items/0/id"},
        ),
        "CancelFirst": (
            "/registrations/{registration_id}/cancel",
            "post",
            {"registration_id": "$response.body#/items/0/id"},
        ),
    },
    ("/study-days/{year}/registrations", "post", "201"): {
        "CheckInNew": (
            "/registrations/{registration_id}/check-in",
            "post",
            {"registration_id": "$response.body#/id"},
        ),
        "CancelNew": (
            "/registrations/{registration_id}/cancel",
            "post",
            {"registration_id": "$response.body#/id"},
        ),
    },
}


def operation_ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document (RFC 6901 escapes "/" as "~1")."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def add_links(document: dict) -> dict:
    """Put LINKS into the responses of ``document``; a link whose source response or target
    operation is missing raises KeyError, so a renamed operation cannot leave a dead link."""
    paths = document["paths"]
    for (path, method, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        resolved = {}
        for name, (target, target_method, parameters, *body) in links.items():
            paths[target][target_method]  # noqa: B018 (the target must exist)
            resolved[name] = {"operationRef": operation_ref(target, target_method)}
            if parameters:
                resolved[name]["parameters"] = dict(parameters)
            if body:
                resolved[name]["requestBody"] = dict(body[0])
        # A shared response object (a $ref or a module constant) must not gain the links of
        # every operation that uses it.
        paths[path][method]["responses"][status] = {**response, "links": resolved}
    return document
