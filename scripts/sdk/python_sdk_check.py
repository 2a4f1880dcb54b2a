#!/usr/bin/env python3
"""End-to-end check of a clusteriam server through the vendor's Python SDK.

Uses only the public API of the published Cohesity Python SDK (cohesity_sdk,
not part of this repository: put a checkout on PYTHONPATH), the way a real
client does: ClusterClient(...) and its user_api / role_api / privilege_api /
access_token_api objects, the SDK's models and its ApiException.

Every call goes through the SDK's `<op>_with_http_info` variant so that, on
top of the SDK's own (strict) deserialisation, the script checks the wire
contract of shared/reference/wire-format.md: the declared success status,
`Content-Type: application/json`, no `null` and no `""` in a response, an
empty body on 204, and no JSON name the SDK model does not know (a
misspelled name fails silently in the SDK: it reads None).

Usage:
    PYTHONPATH=/path/to/cohesity_sdk python3 scripts/sdk/python_sdk_check.py \
        [--host 127.0.0.1:8443] [--username admin] [--password ...]

Defaults: --host from CLUSTERIAM_URL (scheme and /v2 stripped) or
127.0.0.1:8443; --password from CLUSTERIAM_ADMIN_PASSWORD.
Prints one line per step and a final "N passed, M failed" line; exits 1 on
any failure. Every run uses fresh names, so it can be re-run on one server.
"""

import argparse
import json
import os
import sys
import time
import traceback
import uuid

import urllib3
from pydantic import BaseModel

from cohesity_sdk.cluster.cluster_client import ClusterClient
from cohesity_sdk.cluster.api_client import ApiClient
from cohesity_sdk.cluster.configuration import Configuration
from cohesity_sdk.cluster.api.user_api import UserApi
from cohesity_sdk.cluster.exceptions import ApiException
from cohesity_sdk.cluster.models.assigned_sources import AssignedSources
from cohesity_sdk.cluster.models.create_access_token_request_params import CreateAccessTokenRequestParams
from cohesity_sdk.cluster.models.create_group_params import CreateGroupParams
from cohesity_sdk.cluster.models.create_or_update_api_key_request import CreateOrUpdateAPIKeyRequest
from cohesity_sdk.cluster.models.create_role_parameters import CreateRoleParameters
from cohesity_sdk.cluster.models.create_user_parameters import CreateUserParameters
from cohesity_sdk.cluster.models.create_user_session_request_params import CreateUserSessionRequestParams
from cohesity_sdk.cluster.models.delete_groups_request import DeleteGroupsRequest
from cohesity_sdk.cluster.models.delete_users_request import DeleteUsersRequest
from cohesity_sdk.cluster.models.error import Error
from cohesity_sdk.cluster.models.local_group_params import LocalGroupParams
from cohesity_sdk.cluster.models.local_user_params import LocalUserParams
from cohesity_sdk.cluster.models.local_user_update_params import LocalUserUpdateParams
from cohesity_sdk.cluster.models.update_group_parameters import UpdateGroupParameters
from cohesity_sdk.cluster.models.update_role_parameters import UpdateRoleParameters
from cohesity_sdk.cluster.models.update_user_parameters import UpdateUserParameters

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

LOCKED_REASONS = {"NotLocked", "FailedLoginAttempts", "LockedByAdmin", "Inactivity", "OtherReasons"}


class StepFailed(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise StepFailed(msg)


def eq(got, want, what):
    if got != want:
        raise StepFailed(f"{what}: got {got!r}, want {want!r}")


class Runner:
    def __init__(self, host):
        self.host = host
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.wire = []  # wire-contract problems seen during the current step

    # -- one SDK call, with the wire checks -------------------------------
    def call(self, api, op, status, *args, **kwargs):
        """Calls api.<op>_with_http_info, checks the wire contract, returns data."""
        resp = getattr(api, op + "_with_http_info")(*args, **kwargs)
        where = f"{op}"
        if resp.status_code != status:
            # The Python SDK silently returns None for an undeclared 2xx.
            self.wire.append(f"{where}: HTTP {resp.status_code}, the SDK declares only {status}"
                             f" (data the SDK returned: {resp.data!r})")
        headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
        raw = resp.raw_data or b""
        if status == 204:
            if raw.strip():
                self.wire.append(f"{where}: 204 with a non-empty body {raw[:200]!r}")
            return None
        ctype = headers.get("content-type", "")
        if not ctype.startswith("application/json"):
            self.wire.append(f"{where}: Content-Type {ctype!r}, want application/json")
        try:
            doc = json.loads(raw)
        except ValueError:
            self.wire.append(f"{where}: body is not JSON: {raw[:200]!r}")
            return resp.data
        self._walk(where, resp.data, doc, "$")
        return resp.data

    def _walk(self, where, model, doc, path):
        if doc is None:
            self.wire.append(f"{where}: {path} is null (leave the field out, or send a value)")
            return
        if doc == "":
            self.wire.append(f"{where}: {path} is \"\" (leave the field out, or send a value)")
            return
        if isinstance(doc, dict):
            if not isinstance(model, BaseModel):
                return
            names = {}
            for name, field in type(model).model_fields.items():
                names[field.alias or name] = name
            for key, val in doc.items():
                if key not in names:
                    self.wire.append(f"{where}: {path}.{key} is not a field of {type(model).__name__}"
                                     f" (misspelled JSON name? the SDK ignores it)")
                    continue
                self._walk(where, getattr(model, names[key]), val, f"{path}.{key}")
        elif isinstance(doc, list):
            items = model if isinstance(model, list) else [None] * len(doc)
            for i, val in enumerate(doc):
                self._walk(where, items[i] if i < len(items) else None, val, f"{path}[{i}]")

    def expect_error(self, status, fn, *args, **kwargs):
        """Runs fn, which must raise ApiException with `status`; returns the parsed Error."""
        try:
            fn(*args, **kwargs)
        except ApiException as e:
            if isinstance(status, tuple):
                check(e.status in status, f"error status: got {e.status}, want one of {status}: {e.body!r}")
            else:
                eq(e.status, status, "error status")
            headers = {k.lower(): v for k, v in (e.headers or {}).items()}
            ctype = headers.get("content-type", "")
            if not ctype.startswith("application/json"):
                self.wire.append(f"error {status}: Content-Type {ctype!r}, want application/json")
            check(e.body, f"error {status}: empty body")
            err = Error.from_json(e.body)
            check(err.error_code, f"error {status}: no errorCode in {e.body!r}")
            check(err.message, f"error {status}: no message in {e.body!r}")
            self._walk(f"error {status}", err, json.loads(e.body), "$")
            return err
        raise StepFailed(f"expected ApiException {status}, the call succeeded")

    # -- steps ------------------------------------------------------------
    def step(self, name, fn):
        self.wire = []
        try:
            detail = fn()
            if self.wire:
                raise StepFailed("wire contract: " + "; ".join(self.wire))
            self.passed += 1
            print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)
        except Exception as e:  # noqa: BLE001 - report and go on
            self.failed += 1
            msg = str(e).strip().replace("\n", " | ")
            if not isinstance(e, (StepFailed, ApiException)):
                msg = f"{type(e).__name__}: {msg} @ " + traceback.format_exc().strip().splitlines()[-3].strip()
            if isinstance(e, ApiException):
                msg = f"ApiException {e.status}: {e.body!r}"
            self.failures.append((name, msg))
            print(f"FAIL {name}: {msg[:1500]}", flush=True)


def parse_args(doc, *extra):
    """The arguments every check takes (--host, --username, --password), and
    extra ones given as (flags, keywords) pairs for add_argument."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    url = os.environ.get("CLUSTERIAM_URL", "127.0.0.1:8443")
    url = url.split("://", 1)[-1].split("/", 1)[0]
    ap.add_argument("--host", default=url, help="host:port of the server (default %(default)s)")
    ap.add_argument("--username", default=os.environ.get("CLUSTERIAM_ADMIN_USER", "admin"))
    ap.add_argument("--password", default=os.environ.get("CLUSTERIAM_ADMIN_PASSWORD"))
    for flags, kw in extra:
        ap.add_argument(*flags, **kw)
    args = ap.parse_args()
    if not args.password:
        ap.error("no admin password: pass --password or set CLUSTERIAM_ADMIN_PASSWORD")
    return args


def sdk_config(host, **keys):
    """An SDK Configuration for the server at host, with exactly the given
    credentials (api_key dict entries), not checking its self-signed
    certificate."""
    cfg = Configuration(host=f"https://{host}/v2")
    cfg.verify_ssl = False
    for k, v in keys.items():
        cfg.api_key[k] = v
    return cfg


def main():
    args = parse_args(__doc__)

    r = Runner(args.host)
    run = uuid.uuid4().hex[:8]
    pw = "Sdk-Check-Pass-1!" + run
    s = {}  # state shared by the steps

    def new_user_api(**keys):
        """A UserApi with exactly the given credentials (api_key dict entries)."""
        return UserApi(ApiClient(sdk_config(args.host, **keys)))

    # ---- log in ------------------------------------------------------------
    def login():
        s["client"] = ClusterClient(cluster_vip=args.host, username=args.username,
                                    password=args.password, domain="LOCAL")
        c = s["client"]
        s["users"], s["roles"], s["privs"] = c.user_api, c.role_api, c.privilege_api
        tok = r.call(c.access_token_api, "create_access_token", 201, CreateAccessTokenRequestParams(
            username=args.username, password=args.password, domain="LOCAL"))
        eq(tok.token_type, "Bearer", "tokenType")
        check(tok.access_token, "accessToken empty")
        check(tok.privileges, f"privileges empty: {tok.privileges!r}")
        s["admin_token_privs"] = tok.privileges
        me = r.call(s["users"], "get_users", 200, usernames=[args.username], domain="LOCAL")
        eq(len(me.users), 1, "get_users(usernames=[admin]) count")
        s["admin_sid"] = me.users[0].sid
        check(s["admin_sid"], "admin sid empty")
        return f"admin sid {s['admin_sid']}"
    r.step("login: ClusterClient(username/password) + create_access_token", login)
    if "client" not in s:
        print(f"0 passed, {r.failed} failed")
        return 1

    # ---- privileges & roles -----------------------------------------------
    def get_privileges():
        p = r.call(s["privs"], "get_privileges", 200)
        check(p.privileges, "no privileges")
        names = [x.name for x in p.privileges]
        eq(len(set(names)), len(names), "privilege names unique")
        for x in p.privileges:
            check(isinstance(x.id, int), f"privilege {x.name} id {x.id!r}")
            check(x.label and x.category, f"privilege {x.name} label/category {x.label!r}/{x.category!r}")
            for b in ("is_available_on_helios", "is_custom_role_default", "is_special", "is_view_only"):
                check(isinstance(getattr(x, b), bool), f"privilege {x.name}.{b} = {getattr(x, b)!r} (missing?)")
        s["priv_names"] = names
        unknown = set(s["admin_token_privs"]) - set(names)
        check(not unknown, f"access token lists privileges that are not privilege names: {unknown}")
        one = r.call(s["privs"], "get_privileges", 200, names=[names[0]])
        eq([x.name for x in one.privileges], [names[0]], "get_privileges(names=[..])")
        two = r.call(s["privs"], "get_privileges", 200, names=names[:2])
        eq(sorted(x.name for x in two.privileges), sorted(names[:2]), "get_privileges(names=[a,b])")
        return f"{len(names)} privileges"
    r.step("get_privileges (+ names filter)", get_privileges)

    def get_roles():
        rl = r.call(s["roles"], "get_roles", 200)
        check(rl.roles, "no roles")
        names = set(s.get("priv_names", []))
        for role in rl.roles:
            check(role.privileges, f"role {role.name} has no privileges")
            if names:
                bad = set(role.privileges) - names
                check(not bad, f"role {role.name} privileges are not privilege names: {bad}")
            check(isinstance(role.is_user_created_role, bool), f"role {role.name} isUserCreatedRole {role.is_user_created_role!r}")
            check(role.label, f"role {role.name} has no label")
            check(isinstance(role.tenant_ids, list), f"role {role.name} tenantIds {role.tenant_ids!r}")
        s["builtin_role"] = next((x.name for x in rl.roles if not x.is_user_created_role), rl.roles[0].name)
        one = r.call(s["roles"], "get_roles", 200, names=[s["builtin_role"]])
        eq([x.name for x in one.roles], [s["builtin_role"]], "get_roles(names=[..])")
        return f"{len(rl.roles)} roles, using {s['builtin_role']}"
    r.step("get_roles (+ names filter)", get_roles)

    role = f"sdkrole_{run}"
    s["role"] = role

    def create_role():
        privs = ["PRINCIPAL_VIEW", "ROLE_VIEW"]
        before = int(time.time() * 1000) - 5000
        got = r.call(s["roles"], "create_role", 201, CreateRoleParameters(
            name=role, description="sdk check role", privileges=privs))
        check(got is not None, "create_role returned no Role")
        eq(got.name, role, "name")
        eq(got.description, "sdk check role", "description")
        eq(sorted(got.privileges), sorted(privs), "privileges")
        eq(got.is_user_created_role, True, "isUserCreatedRole")
        check(isinstance(got.created_timestamp_msecs, int) and got.created_timestamp_msecs >= before,
              f"createdTimestampMsecs {got.created_timestamp_msecs!r}")
        check(isinstance(got.last_updated_timestamp_msecs, int), f"lastUpdatedTimestampMsecs {got.last_updated_timestamp_msecs!r}")
        eq(got.tenant_ids, [], "tenantIds")
        s["role_created"] = got.created_timestamp_msecs
    r.step("create_role", create_role)

    def update_role():
        privs = ["PRINCIPAL_VIEW", "ROLE_VIEW", "S3_KEY_MODIFY"]
        got = r.call(s["roles"], "update_role", 200, role, UpdateRoleParameters(
            description="sdk check role (updated)", privileges=privs))
        eq(got.name, role, "name")
        eq(got.description, "sdk check role (updated)", "description")
        eq(sorted(got.privileges), sorted(privs), "privileges")
        check(got.last_updated_timestamp_msecs >= (s.get("role_created") or 0), "lastUpdatedTimestampMsecs went back")
        again = r.call(s["roles"], "get_roles", 200, names=[role])
        eq(len(again.roles), 1, "get_roles(names=[role]) count")
        eq(again.roles[0].description, "sdk check role (updated)", "description after get")
        eq(again.roles[0].is_user_created_role, True, "isUserCreatedRole after get")
    r.step("update_role + get_roles(names)", update_role)

    # ---- users ---------------------------------------------------------------
    u1, u2, u3 = f"sdku_{run}_a", f"sdku_{run}_b", f"sdku_{run}_c"
    s.update(u1=u1, u2=u2, u3=u3)

    def create_users():
        before = int(time.time() * 1000) - 5000
        got = r.call(s["users"], "create_users", 201, [
            CreateUserParameters(username=u1, domain="LOCAL", description="first sdk user",
                                 roles=[role], restricted=False,
                                 local_user_params=LocalUserParams(email=f"{u1}@example.com", password=pw)),
            CreateUserParameters(username=u2, domain="LOCAL",
                                 roles=[s.get("builtin_role", "COHESITY_ADMIN")],
                                 local_user_params=LocalUserParams(email=f"{u2}@example.com", password=pw)),
        ])
        check(got is not None and got.users is not None, f"create_users returned {got!r}")
        eq(sorted(u.username for u in got.users), sorted([u1, u2]), "usernames")
        by = {u.username: u for u in got.users}
        a = by[u1]
        check(a.sid and a.sid != by[u2].sid, f"sids {a.sid!r} {by[u2].sid!r}")
        eq(a.domain, "LOCAL", "domain")
        eq(a.description, "first sdk user", "description")
        eq(a.roles, [role], "roles")
        eq(a.locked, False, "locked")
        eq(a.restricted, False, "restricted")
        eq(a.locked_reason, "NotLocked", "lockedReason")
        check(isinstance(a.force_password_change, bool), f"forcePasswordChange {a.force_password_change!r}")
        check(isinstance(a.created_time_msecs, int) and a.created_time_msecs >= before, f"createdTimeMsecs {a.created_time_msecs!r}")
        check(isinstance(a.last_updated_time_msecs, int), f"lastUpdatedTimeMsecs {a.last_updated_time_msecs!r}")
        check(a.local_user_params is not None, "localUserParams missing")
        eq(a.local_user_params.email, f"{u1}@example.com", "localUserParams.email")
        eq(a.other_groups, [], "otherGroups")
        check(by[u2].description is None, f"unset description should be absent, got {by[u2].description!r}")
        s["sid1"], s["sid2"] = a.sid, by[u2].sid
        return f"{u1}={s['sid1']}"
    r.step("create_users (CreateUserParameters + LocalUserParams)", create_users)

    def get_users_filters():
        one = r.call(s["users"], "get_users", 200, usernames=[u1])
        eq([u.username for u in one.users], [u1], "usernames=[u1]")
        both = r.call(s["users"], "get_users", 200, usernames=[u1, u2])
        eq(sorted(u.username for u in both.users), sorted([u1, u2]), "usernames=[u1,u2]")
        part = r.call(s["users"], "get_users", 200, usernames=[f"sdku_{run}"], match_partial_names=True)
        eq(sorted(u.username for u in part.users), sorted([u1, u2]), "usernames=[prefix] matchPartialNames")
        exact = r.call(s["users"], "get_users", 200, usernames=[f"sdku_{run}"], match_partial_names=False)
        eq(exact.users, [], "usernames=[prefix] matchPartialNames=false")
        bysid = r.call(s["users"], "get_users", 200, sids=[s["sid1"], s["sid2"]])
        eq(sorted(u.sid for u in bysid.users), sorted([s["sid1"], s["sid2"]]), "sids=[s1,s2]")
        byrole = r.call(s["users"], "get_users", 200, roles=[role])
        eq([u.username for u in byrole.users], [u1], "roles=[custom role]")
        bydomain = r.call(s["users"], "get_users", 200, domain="LOCAL", usernames=[u2])
        eq([u.username for u in bydomain.users], [u2], "domain=LOCAL usernames=[u2]")
        bymail = r.call(s["users"], "get_users", 200, email_addresses=[f"{u2}@example.com"])
        eq([u.username for u in bymail.users], [u2], "emailAddresses=[u2's]")
        none = r.call(s["users"], "get_users", 200, usernames=[f"nobody_{run}"])
        eq(none.users, [], "no match -> users: []")
    r.step("get_users filters (usernames, matchPartialNames, sids, roles, domain, emailAddresses)", get_users_filters)

    def get_user_by_sid():
        u = r.call(s["users"], "get_user_by_sid", 200, s["sid1"])
        eq(u.sid, s["sid1"], "sid")
        eq(u.username, u1, "username")
        eq(u.locked, False, "locked")
        eq(u.roles, [role], "roles")
    r.step("get_user_by_sid", get_user_by_sid)

    def update_user_lock():
        u = r.call(s["users"], "update_user", 200, s["sid1"], UpdateUserParameters(locked=True))
        eq(u.locked, True, "locked")
        eq(u.locked_reason, "LockedByAdmin", "lockedReason")
        eq(u.description, "first sdk user", "description kept (merge)")
        eq(u.roles, [role], "roles kept (merge)")
        eq(u.local_user_params.email if u.local_user_params else None, f"{u1}@example.com", "email kept (merge)")
        # A locked user cannot log in.
        err = r.expect_error((401, 403), s["client"].access_token_api.create_access_token,
                             CreateAccessTokenRequestParams(username=u1, password=pw, domain="LOCAL"))
        u = r.call(s["users"], "update_user", 200, s["sid1"], UpdateUserParameters(locked=False))
        eq(u.locked, False, "locked")
        eq(u.locked_reason, "NotLocked", "lockedReason")
        return f"locked login: {err.error_code}"
    r.step("update_user locked=true then false (merge)", update_user_lock)

    def update_user_desc():
        u = r.call(s["users"], "update_user", 200, s["sid1"], UpdateUserParameters(
            description="changed by sdk", local_user_params=LocalUserUpdateParams(email=f"{u1}@example.org")))
        eq(u.description, "changed by sdk", "description")
        eq(u.locked, False, "locked kept")
        eq(u.roles, [role], "roles kept")
        eq(u.local_user_params.email, f"{u1}@example.org", "email")
        g = r.call(s["users"], "get_user_by_sid", 200, s["sid1"])
        eq(g.description, "changed by sdk", "description after get")
        check(g.last_updated_time_msecs >= g.created_time_msecs, "lastUpdatedTimeMsecs < createdTimeMsecs")
    r.step("update_user description + email", update_user_desc)

    def update_user_zero_values():
        eff = int(time.time() * 1000) - 60_000
        exp = int(time.time() * 1000) + 30 * 86400_000
        u = r.call(s["users"], "update_user", 200, s["sid2"], UpdateUserParameters(
            restricted=True, effective_time_msecs=eff, expiry_time_msecs=exp))
        eq(u.restricted, True, "restricted")
        eq(u.effective_time_msecs, eff, "effectiveTimeMsecs")
        eq(u.expiry_time_msecs, exp, "expiryTimeMsecs")
        u = r.call(s["users"], "update_user", 200, s["sid2"], UpdateUserParameters(restricted=False))
        eq(u.restricted, False, "restricted=false is a value, not absence")
        eq(u.expiry_time_msecs, exp, "expiryTimeMsecs kept (merge)")
        u = r.call(s["users"], "update_user", 200, s["sid2"], UpdateUserParameters(roles=[]))
        eq(u.roles, [], "roles=[] clears the roles")
        u = r.call(s["users"], "update_user", 200, s["sid2"],
                   UpdateUserParameters(roles=[s.get("builtin_role", "COHESITY_ADMIN")]))
        eq(u.roles, [s.get("builtin_role", "COHESITY_ADMIN")], "roles set back")
    r.step("update_user zero values (restricted=false, roles=[]) + effective/expiry times", update_user_zero_values)

    def user_token_and_self_password():
        tok = r.call(s["client"].access_token_api, "create_access_token", 201,
                     CreateAccessTokenRequestParams(username=u1, password=pw, domain="LOCAL"))
        eq(tok.token_type, "Bearer", "tokenType")
        want = {"PRINCIPAL_VIEW", "ROLE_VIEW", "S3_KEY_MODIFY"}
        check(want <= set(tok.privileges or []), f"u1 token privileges {tok.privileges!r} lack {want}")
        # A session user changes its own password: currentPassword is required.
        sess = r.call(s["users"], "create_session", 201,
                      CreateUserSessionRequestParams(username=u1, password=pw, domain="LOCAL"))
        as_u1 = new_user_api(SessionIdHeader=sess.session_id)
        newpw = pw + "-2"
        e = r.expect_error((400, 401, 403), as_u1.update_user, s["sid1"], UpdateUserParameters(
            local_user_params=LocalUserUpdateParams(password=newpw)))
        u = r.call(as_u1, "update_user", 200, s["sid1"], UpdateUserParameters(
            local_user_params=LocalUserUpdateParams(password=newpw, current_password=pw)))
        eq(u.username, u1, "username")
        c = ClusterClient(cluster_vip=args.host, username=u1, password=newpw, domain="LOCAL")
        eq(r.call(c.user_api, "get_user_by_sid", 200, s["sid1"]).username, u1, "login with the new password")
        r.expect_error(401, s["client"].access_token_api.create_access_token,
                       CreateAccessTokenRequestParams(username=u1, password=pw, domain="LOCAL"))
        s["pw1"] = newpw
        r.call(s["users"], "delete_session", 204, sid=s["sid1"])
        return f"without currentPassword: {e.error_code}"
    r.step("user's access token privileges + self password change (currentPassword)", user_token_and_self_password)

    # ---- groups --------------------------------------------------------------
    g1, g2, g3 = f"sdkg_{run}_a", f"sdkg_{run}_b", f"sdkg_{run}_c"

    def create_group():
        got = r.call(s["users"], "create_group", 201, [
            CreateGroupParams(name=g1, domain="LOCAL", description="sdk group", roles=[role],
                              local_group_params=LocalGroupParams(user_sids=[s["sid1"]])),
        ])
        check(got is not None and got.groups, f"create_group returned {got!r}")
        g = got.groups[0]
        eq(g.name, g1, "name")
        eq(g.domain, "LOCAL", "domain")
        eq(g.description, "sdk group", "description")
        eq(g.roles, [role], "roles")
        eq(g.restricted, False, "restricted")
        eq(g.tenant_ids, [], "tenantIds")
        eq(g.smb_principals, [], "smbPrincipals")
        check(g.sid, "sid empty")
        check(isinstance(g.created_time_msecs, int) and g.created_time_msecs > 0, f"createdTimeMsecs {g.created_time_msecs!r}")
        check(g.local_group_params is not None, "localGroupParams missing")
        eq(g.local_group_params.user_sids, [s["sid1"]], "localGroupParams.userSids")
        s["gsid1"] = g.sid
        more = r.call(s["users"], "create_group", 201, [
            CreateGroupParams(name=g2, domain="LOCAL"), CreateGroupParams(name=g3, domain="LOCAL")])
        eq(sorted(x.name for x in more.groups), sorted([g2, g3]), "two groups")
        for x in more.groups:
            eq(x.local_group_params.user_sids if x.local_group_params else None, [], f"{x.name} userSids")
            eq(x.roles, [], f"{x.name} roles")
        s["gsid2"], s["gsid3"] = [x.sid for x in sorted(more.groups, key=lambda x: x.name)]
    r.step("create_group (one, then two)", create_group)

    def get_groups():
        one = r.call(s["users"], "get_groups", 200, names=[g1])
        eq([g.name for g in one.groups], [g1], "names=[g1]")
        part = r.call(s["users"], "get_groups", 200, names=[f"sdkg_{run}"], match_partial_names=True)
        eq(sorted(g.name for g in part.groups), sorted([g1, g2, g3]), "names=[prefix] matchPartialNames")
        sids = r.call(s["users"], "get_groups", 200, sids=[s["gsid2"], s["gsid3"]])
        eq(sorted(g.sid for g in sids.groups), sorted([s["gsid2"], s["gsid3"]]), "sids=[g2,g3]")
        roles = r.call(s["users"], "get_groups", 200, roles=[role])
        eq([g.name for g in roles.groups], [g1], "roles=[custom role]")
        dom = r.call(s["users"], "get_groups", 200, domain="LOCAL", names=[g2])
        eq([g.name for g in dom.groups], [g2], "domain=LOCAL names=[g2]")
        g = r.call(s["users"], "get_group_by_sid", 200, s["gsid1"])
        eq(g.name, g1, "get_group_by_sid name")
        eq(g.local_group_params.user_sids, [s["sid1"]], "get_group_by_sid userSids")
    r.step("get_groups filters + get_group_by_sid", get_groups)

    def update_group():
        g = r.call(s["users"], "update_group", 200, s["gsid1"], UpdateGroupParameters(
            description="sdk group (updated)", local_group_params=LocalGroupParams(user_sids=[s["sid1"], s["sid2"]])))
        eq(g.description, "sdk group (updated)", "description")
        eq(sorted(g.local_group_params.user_sids), sorted([s["sid1"], s["sid2"]]), "userSids")
        eq(g.roles, [role], "roles kept (merge)")
        g = r.call(s["users"], "update_group", 200, s["gsid1"], UpdateGroupParameters(restricted=True))
        eq(g.restricted, True, "restricted")
        eq(g.description, "sdk group (updated)", "description kept (merge)")
        g = r.call(s["users"], "get_group_by_sid", 200, s["gsid1"])
        eq(g.restricted, True, "restricted after get")
        g = r.call(s["users"], "update_group", 200, s["gsid2"], UpdateGroupParameters(
            roles=[role], local_group_params=LocalGroupParams(user_sids=[s["sid2"]]), restricted=True))
        eq((g.roles, g.local_group_params.user_sids, g.restricted), ([role], [s["sid2"]], True), "g2 set")
        g = r.call(s["users"], "update_group", 200, s["gsid2"], UpdateGroupParameters(
            roles=[], local_group_params=LocalGroupParams(user_sids=[]), restricted=False))
        eq(g.roles, [], "roles=[] clears")
        eq(g.local_group_params.user_sids, [], "userSids=[] clears")
        eq(g.restricted, False, "restricted=false is a value")
    r.step("update_group (members, description, restricted)", update_group)

    def security_principals():
        sp = r.call(s["users"], "get_security_principals", 200, [s["sid1"], s["gsid1"]])
        by = {p.sid: p for p in sp.security_principals}
        eq(sorted(by), sorted([s["sid1"], s["gsid1"]]), "sids returned")
        eq(by[s["sid1"]].object_class, "User", "user objectClass")
        eq(by[s["sid1"]].principal_name, u1, "user principalName")
        eq(by[s["sid1"]].domain_name, "LOCAL", "user domainName")
        eq(by[s["gsid1"]].object_class, "Group", "group objectClass")
        eq(by[s["gsid1"]].principal_name, g1, "group principalName")
    r.step("get_security_principals (user + group)", security_principals)

    def principal_sources():
        got = r.call(s["users"], "update_principal_sources", 200, s["sid1"],
                     AssignedSources(source_ids=[11, 12], view_ids=[21]))
        eq(sorted(got.source_ids), [11, 12], "sourceIds")
        eq(got.view_ids, [21], "viewIds")
        g = r.call(s["users"], "get_principal_sources", 200, s["sid1"])
        eq(sorted(g.source_ids), [11, 12], "sourceIds after get")
        eq(g.view_ids, [21], "viewIds after get")
        got = r.call(s["users"], "update_principal_sources", 200, s["sid1"], AssignedSources(source_ids=[], view_ids=[]))
        eq(got.source_ids, [], "sourceIds cleared")
        eq(got.view_ids, [], "viewIds cleared")
        g = r.call(s["users"], "get_principal_sources", 200, s["sid2"])
        eq((g.source_ids, g.view_ids), ([], []), "never-assigned principal")
    r.step("update_principal_sources / get_principal_sources", principal_sources)

    def delete_groups():
        r.call(s["users"], "delete_groups", 204, DeleteGroupsRequest(sids=[s["gsid2"], s["gsid3"]]))
        left = r.call(s["users"], "get_groups", 200, sids=[s["gsid2"], s["gsid3"]])
        eq(left.groups, [], "groups after delete_groups")
        r.call(s["users"], "delete_group", 204, s["gsid1"])
        r.expect_error(404, s["users"].get_group_by_sid, s["gsid1"])
    r.step("delete_groups + delete_group (+ 404 after)", delete_groups)

    # ---- sessions -------------------------------------------------------------
    def sessions():
        sess = r.call(s["users"], "create_session", 201,
                      CreateUserSessionRequestParams(username=u1, password=s.get("pw1", pw), domain="LOCAL"))
        check(sess is not None and sess.session_id, f"create_session returned {sess!r}")
        as_u1 = new_user_api(SessionIdHeader=sess.session_id)
        me = r.call(as_u1, "get_user_by_sid", 200, s["sid1"])
        eq(me.username, u1, "get_user_by_sid with session-id")
        check(isinstance(me.last_login_time_msecs, int) and me.last_login_time_msecs > 0,
              f"lastLoginTimeMsecs after login {me.last_login_time_msecs!r}")
        cnt = r.call(s["users"], "get_active_sessions_count", 200, sids=[s["sid1"]])
        eq(cnt.total_sessions_count, 1, "totalSessionsCount for u1")
        eq([(x.sid, x.sessions_count) for x in cnt.sessions_per_user], [(s["sid1"], 1)], "sessionsPerUser")
        allc = r.call(s["users"], "get_active_sessions_count", 200)
        check(isinstance(allc.total_sessions_count, int) and allc.total_sessions_count >= 1,
              f"system-wide totalSessionsCount {allc.total_sessions_count!r}")
        zero = r.call(s["users"], "get_active_sessions_count", 200, sids=[s["sid2"]])
        eq(zero.total_sessions_count, 0, "totalSessionsCount for a user without sessions")
        check(isinstance(zero.sessions_per_user, list), f"sessionsPerUser {zero.sessions_per_user!r}")
        r.call(s["users"], "delete_session", 204, sid=s["sid1"])
        r.expect_error(401, as_u1.get_user_by_sid, s["sid1"])
        cnt = r.call(s["users"], "get_active_sessions_count", 200, sids=[s["sid1"]])
        eq(cnt.total_sessions_count, 0, "totalSessionsCount after delete_session")
    r.step("create_session / session-id auth / get_active_sessions_count / delete_session", sessions)

    # ---- API keys ---------------------------------------------------------------
    def create_keys():
        k = r.call(s["users"], "create_user_api_key", 201, s["sid1"],
                   CreateOrUpdateAPIKeyRequest(name=f"sdkkey_{run}_1", is_active=True))
        check(k is not None and k.api_key, f"create_user_api_key returned {k!r}")
        check(isinstance(k.id, str) and k.id, f"id {k.id!r}")
        eq(k.name, f"sdkkey_{run}_1", "name")
        eq(k.user_sid, s["sid1"], "userSid")
        eq(k.created_by_user_sid, s["admin_sid"], "createdByUserSid")
        eq(k.is_active, True, "isActive")
        eq(k.is_expired, False, "isExpired")
        check(k.expiry_time_msecs is None, f"expiryTimeMsecs should be absent, got {k.expiry_time_msecs!r}")
        check(isinstance(k.created_time_msecs, int) and k.created_time_msecs > 0, f"createdTimeMsecs {k.created_time_msecs!r}")
        s["k1"], s["k1secret"] = k.id, k.api_key
        exp = int(time.time() * 1000) + 86400_000
        k2 = r.call(s["users"], "create_user_api_key", 201, s["sid1"],
                    CreateOrUpdateAPIKeyRequest(name=f"sdkkey_{run}_2", is_active=False, expiry_time_msecs=exp))
        eq(k2.is_active, False, "key2 isActive")
        eq(k2.expiry_time_msecs, exp, "key2 expiryTimeMsecs")
        eq(k2.is_expired, False, "key2 isExpired")
        s["k2"], s["k2secret"] = k2.id, k2.api_key
    r.step("create_user_api_key (active, and inactive with expiry)", create_keys)

    def list_keys():
        ks = r.call(s["users"], "get_user_api_keys", 200, s["sid1"])
        eq(sorted(k.id for k in ks.api_keys), sorted([s["k1"], s["k2"]]), "get_user_api_keys ids")
        by = {k.id: k for k in ks.api_keys}
        eq(by[s["k2"]].is_active, False, "key2 isActive in list (a missing isActive reads as True)")
        eq(by[s["k1"]].is_expired, False, "key1 isExpired in list")
        act = r.call(s["users"], "get_user_api_keys", 200, s["sid1"], is_active=True)
        eq([k.id for k in act.api_keys], [s["k1"]], "isActive=true")
        ina = r.call(s["users"], "get_user_api_keys", 200, s["sid1"], is_active=False)
        eq([k.id for k in ina.api_keys], [s["k2"]], "isActive=false")
        ids = r.call(s["users"], "get_user_api_keys", 200, s["sid1"], ids=[s["k2"]])
        eq([k.id for k in ids.api_keys], [s["k2"]], "ids=[k2]")
        nexp = r.call(s["users"], "get_user_api_keys", 200, s["sid1"], is_expired=False)
        eq(sorted(k.id for k in nexp.api_keys), sorted([s["k1"], s["k2"]]), "isExpired=false")
        one = r.call(s["users"], "get_user_api_key_by_id", 200, id=s["k1"], user_sid=s["sid1"])
        eq(one.id, s["k1"], "get_user_api_key_by_id id")
        eq(one.name, f"sdkkey_{run}_1", "get_user_api_key_by_id name")
        check("apiKey" not in json.dumps(one.to_dict()), "the secret is only returned at create/rotate")
        empty = r.call(s["users"], "get_user_api_keys", 200, s["sid2"])
        eq(empty.api_keys, [], "user without keys -> apiKeys: []")
    r.step("get_user_api_keys (ids, isActive, isExpired) + get_user_api_key_by_id", list_keys)

    def update_key():
        k = r.call(s["users"], "update_user_api_key_by_id", 200, id=s["k1"], user_sid=s["sid1"],
                   body=CreateOrUpdateAPIKeyRequest(name=f"sdkkey_{run}_1b", is_active=False))
        eq(k.name, f"sdkkey_{run}_1b", "name")
        eq(k.is_active, False, "isActive=false (a missing isActive reads as True)")
        r.expect_error(401, new_user_api(APIKeyHeader=s["k1secret"]).get_user_by_sid, s["sid1"])
        k = r.call(s["users"], "update_user_api_key_by_id", 200, id=s["k1"], user_sid=s["sid1"],
                   body=CreateOrUpdateAPIKeyRequest(name=f"sdkkey_{run}_1b", is_active=True))
        eq(k.is_active, True, "isActive back to true")
    r.step("update_user_api_key_by_id (rename, deactivate -> 401, reactivate)", update_key)

    def rotate_key():
        k = r.call(s["users"], "rotate_user_api_key", 200, s["sid1"], s["k1"])
        check(k is not None and k.api_key and k.api_key != s["k1secret"], f"rotate returned {k!r}")
        eq(k.id, s["k1"], "id kept")
        check(isinstance(k.last_rotated_time_msecs, int) and k.last_rotated_time_msecs > 0,
              f"lastRotatedTimeMsecs {k.last_rotated_time_msecs!r}")
        r.expect_error(401, new_user_api(APIKeyHeader=s["k1secret"]).get_user_by_sid, s["sid1"])
        s["k1secret"] = k.api_key
    r.step("rotate_user_api_key (old secret -> 401)", rotate_key)

    def api_key_login():
        c = ClusterClient(cluster_vip=args.host, api_key=s["k1secret"])
        me = r.call(c.user_api, "get_user_by_sid", 200, s["sid1"])
        eq(me.username, u1, "username via API key")
        r.expect_error(401, new_user_api(APIKeyHeader=s["k2secret"]).get_user_by_sid, s["sid1"])
        # The key's owner (role has S3_KEY_MODIFY) regenerates its own S3 key.
        k = r.call(c.user_api, "regenerate_s3_key", 201, s["sid1"])
        check(k is not None and k.secret_key, f"own regenerate_s3_key via API key: {k!r}")
    r.step("ClusterClient(api_key=...) login (inactive key -> 401; own regenerate_s3_key)", api_key_login)

    def all_keys():
        ks = r.call(s["users"], "get_all_api_keys", 200)
        ids = {k.id for k in ks.api_keys}
        check({s["k1"], s["k2"]} <= ids, "get_all_api_keys misses our keys")
        own = r.call(s["users"], "get_all_api_keys", 200, owner_sids=[s["sid1"]])
        eq(sorted(k.id for k in own.api_keys), sorted([s["k1"], s["k2"]]), "ownerSids=[u1]")
        one = r.call(s["users"], "get_all_api_keys", 200, ids=[s["k1"]])
        eq([k.id for k in one.api_keys], [s["k1"]], "ids=[k1]")
        ina = r.call(s["users"], "get_all_api_keys", 200, owner_sids=[s["sid1"]], is_active=False)
        eq([k.id for k in ina.api_keys], [s["k2"]], "ownerSids + isActive=false")
    r.step("get_all_api_keys (ids, ownerSids, isActive)", all_keys)

    def expired_key():
        exp = int(time.time() * 1000) + 1500
        k = r.call(s["users"], "create_user_api_key", 201, s["sid1"],
                   CreateOrUpdateAPIKeyRequest(name=f"sdkkey_{run}_3", expiry_time_msecs=exp))
        s["k3"] = k.id
        time.sleep(2.2)
        g = r.call(s["users"], "get_user_api_key_by_id", 200, id=k.id, user_sid=s["sid1"])
        eq(g.is_expired, True, "isExpired after expiry")
        ex = r.call(s["users"], "get_user_api_keys", 200, s["sid1"], is_expired=True)
        eq([x.id for x in ex.api_keys], [k.id], "isExpired=true")
        r.expect_error(401, new_user_api(APIKeyHeader=k.api_key).get_user_by_sid, s["sid1"])
    r.step("expired API key (isExpired, filter, 401)", expired_key)

    def delete_key():
        r.call(s["users"], "delete_user_api_key_by_id", 204, s["sid1"], s["k2"])
        r.expect_error(404, s["users"].get_user_api_key_by_id, id=s["k2"], user_sid=s["sid1"])
        left = r.call(s["users"], "get_user_api_keys", 200, s["sid1"])
        check(s["k2"] not in {k.id for k in left.api_keys}, "deleted key still listed")
    r.step("delete_user_api_key_by_id (+ 404 after)", delete_key)

    # ---- S3 key ----------------------------------------------------------------
    def s3_key():
        a = r.call(s["users"], "regenerate_s3_key", 201, s["sid1"])
        check(a is not None and isinstance(a.secret_key, str) and a.secret_key,
              f"regenerate_s3_key secret_key {getattr(a, 'secret_key', a)!r}")
        b = r.call(s["users"], "regenerate_s3_key", 201, s["sid1"])
        check(b.secret_key and b.secret_key != a.secret_key, "a second regeneration returned the same key")
        u = r.call(s["users"], "get_user_by_sid", 200, s["sid1"])
        check(u.s3_account_params is None or u.s3_account_params.s3_secret_key in (None, b.secret_key),
              "s3SecretKey in user does not match")
    r.step("regenerate_s3_key (secret_key attribute)", s3_key)

    # ---- error paths ------------------------------------------------------------
    def errors():
        missing = "S-1-100-21-0-0-999999"
        e = r.expect_error(404, s["users"].get_user_by_sid, missing)
        r.expect_error(404, s["users"].update_user, missing, UpdateUserParameters(description="x"))
        r.expect_error(404, s["users"].delete_user, missing)
        r.expect_error(404, s["users"].get_user_api_key_by_id, id="no-such-key", user_sid=s["sid1"])
        r.expect_error(404, s["roles"].update_role, f"norole_{run}", UpdateRoleParameters(privileges=["ROLE_VIEW"]))
        r.expect_error(404, s["roles"].delete_role, f"norole_{run}")
        r.expect_error(401, new_user_api(APIKeyHeader="not-a-key").get_user_by_sid, s["sid1"])
        r.expect_error(401, s["client"].access_token_api.create_access_token,
                       CreateAccessTokenRequestParams(username=args.username, password="wrong-" + run, domain="LOCAL"))
        dup = None
        try:
            s["users"].create_users([CreateUserParameters(username=u1, domain="LOCAL",
                                                          local_user_params=LocalUserParams(password=pw))])
        except ApiException as x:
            dup = x
        check(dup is not None and 400 <= dup.status < 500, "duplicate username accepted")
        Error.from_json(dup.body)
        return f"404 body: errorCode={e.error_code!r}; duplicate user -> {dup.status}"
    r.step("error paths (404/401/4xx raise ApiException, Error body parses)", errors)

    # ---- delete users & role -------------------------------------------------------
    def delete_users():
        got = r.call(s["users"], "create_users", 201, [CreateUserParameters(
            username=u3, domain="LOCAL", local_user_params=LocalUserParams(password=pw))])
        s["sid3"] = got.users[0].sid
        eq(got.users[0].roles, [], "roles of a user created without roles")
        r.call(s["users"], "delete_user", 204, s["sid2"])
        r.expect_error(404, s["users"].get_user_by_sid, s["sid2"])
        r.call(s["users"], "delete_users", 204, DeleteUsersRequest(sids=[s["sid1"], s["sid3"]]))
        left = r.call(s["users"], "get_users", 200, sids=[s["sid1"], s["sid2"], s["sid3"]])
        eq(left.users, [], "users after delete")
        ks = r.call(s["users"], "get_all_api_keys", 200, owner_sids=[s["sid1"]])
        eq(ks.api_keys, [], "API keys of a deleted user")
        r.expect_error(401, new_user_api(APIKeyHeader=s["k1secret"]).get_user_by_sid, s["sid1"])
    r.step("delete_user + delete_users (+ 404 after)", delete_users)

    def delete_role():
        r.call(s["roles"], "delete_role", 204, role)
        left = r.call(s["roles"], "get_roles", 200, names=[role])
        eq(left.roles, [], "roles after delete")
    r.step("delete_role", delete_role)

    def odd_role_names():
        # Role names travel as path parameters of update_role/delete_role.
        # The name rule (docs/names.md) keeps '/', '%', '?' and '#' out;
        # spaces, '+', '@' and letters beyond ASCII still need escaping.
        r.expect_error(400, s["roles"].create_role,
                       CreateRoleParameters(name=f"sdk role {run}/slash %25 ?q #h", privileges=["ROLE_VIEW"]))
        names = [f"sdk role {run} \u00fc+plus@x", f"sdk.{run}.."]
        for name in names:
            got = r.call(s["roles"], "create_role", 201, CreateRoleParameters(name=name, privileges=["ROLE_VIEW"]))
            eq(got.name, name, "name")
            eq([x.name for x in r.call(s["roles"], "get_roles", 200, names=[name]).roles], [name], "get_roles(names)")
            up = r.call(s["roles"], "update_role", 200, name, UpdateRoleParameters(
                privileges=["ROLE_VIEW", "PRINCIPAL_VIEW"], description="odd"))
            eq((up.name, up.description), (name, "odd"), "update_role by odd name")
            r.call(s["roles"], "delete_role", 204, name)
            eq(r.call(s["roles"], "get_roles", 200, names=[name]).roles, [], "deleted")
    r.step("role names that need escaping as path parameters; reserved characters refused", odd_role_names)

    # ---- audit trail -------------------------------------------------------
    def audit_logs():
        audit = s["client"].audit_log_api
        acts = r.call(audit, "get_audit_logs_actions", 200)
        types = r.call(audit, "get_audit_logs_entity_types", 200)
        check("Delete" in acts.actions and "Role" in types.entity_types, f"{acts.actions} / {types.entity_types}")
        got = r.call(audit, "get_audit_logs", 200, usernames=[args.username], actions=["Delete"],
                     entity_types=["Role"], search_string=role, count=5)
        eq([(x.action, x.entity_type, x.entity_name) for x in got.audit_logs], [("Delete", "Role", role)],
           "get_audit_logs(actions, entity_types, search_string)")
        eq(got.count, 1, "count")
        x = got.audit_logs[0]
        check(isinstance(x.timestamp_usecs, int) and x.timestamp_usecs > 0, f"timestampUsecs {x.timestamp_usecs!r}")
        eq((x.username, x.domain, x.is_impersonation), (args.username, "LOCAL", False), "actor")
        page = r.call(audit, "get_audit_logs", 200, start_index=1, count=2,
                      start_time_usecs=x.timestamp_usecs - 3600 * 10**6)
        eq(len(page.audit_logs), 2, "a page of 2")
        check(page.count >= 3, f"count {page.count} counts beyond the page")
        r.expect_error(400, audit.get_audit_logs, count=0)
        return f"{page.count} entries in the last hour"
    r.step("get_audit_logs (+ filters, paging) and its actions and entity types", audit_logs)

    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
