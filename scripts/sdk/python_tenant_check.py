#!/usr/bin/env python3
"""End-to-end check of a clusteriam server's organizations (tenants) through
the vendor's Python SDK.

Uses only the public API of the published Cohesity Python SDK (cohesity_sdk,
not part of this repository: put a checkout on PYTHONPATH), the way a real
client does: ClusterClient(...) and its tenant_api / user_api /
access_token_api objects, TenantApi and UserApi over an ApiClient, the SDK's
models and its ApiException. The Runner (wire checks, one line per step)
is the one of python_sdk_check.py, next to this file.

Every call goes through the SDK's `<op>_with_http_info` variant, so that on
top of the SDK's own (strict) deserialisation the script checks the wire
contract: the declared success status (201 for create_tenant, 204 for
delete_tenant, 200 otherwise), `Content-Type: application/json`, no `null`
and no `""` in a response, an empty body on 204, and no JSON name the SDK
model does not know.

Acting inside an organization. No operation of the SDK declares the
`x-impersonate-tenant-id` header, so a client adds it itself. The SDK offers
two ways, and this script uses both:
  - a default header of an ApiClient, sent with every call made through it:
        api = ApiClient(configuration)      # the admin's Configuration (Bearer)
        api.set_default_header("x-impersonate-tenant-id", "acme/")
        UserApi(api).create_users(...)
    (equivalently ApiClient(configuration, header_name=..., header_value=...));
    used for organization A;
  - the per-call `_headers={"x-impersonate-tenant-id": "acme/"}` argument
    that every generated operation takes; used for organization B. A default
    header of the ApiClient overrides a per-call header of the same name.
Configuration has no default-header setting (its api_key dict only fills the
declared auth headers apiKey, Authorization and session-id).
Note that ClusterClient builds a fresh ApiClient for each of its *_api
properties, so a default header set on `client.user_api.api_client` affects
that one API object only.

Flow: enable organizations (tenant-config); create organizations A and B
(fresh suffixes every run, so it can be re-run on one server), list them
(ids and statuses filters), get one by id, rename A, deactivate and activate
A, create and delete a third; acting inside A, create A's admin (role
COHESITY_ADMIN); log in as "<name>@<A's id without its slash>", domain LOCAL;
as that admin create, list, update and delete A's users; a user of B
(created acting inside B) is invisible to A's admin (left out of lists, 404
by sid); deactivate A: its admin's token is refused (401) and it cannot log
in; reactivate; clean up (the users, then the organizations: deleting one
that still holds users is refused with 400).

Usage:
    PYTHONPATH=/path/to/cohesity_sdk python3 scripts/sdk/python_tenant_check.py \
        [--host 127.0.0.1:8443] [--username admin] [--password ...]

Defaults: --host from CLUSTERIAM_URL (scheme and /v2 stripped) or
127.0.0.1:8443; --password from CLUSTERIAM_ADMIN_PASSWORD.
Prints one line per step and a final "N passed, M failed" line; exits 1 on
any failure.
"""

import os
import sys
import time
import uuid

from cohesity_sdk.cluster.cluster_client import ClusterClient
from cohesity_sdk.cluster.api_client import ApiClient
from cohesity_sdk.cluster.api.access_token_api import AccessTokenApi
from cohesity_sdk.cluster.api.tenant_api import TenantApi
from cohesity_sdk.cluster.api.user_api import UserApi
from cohesity_sdk.cluster.exceptions import ApiException
from cohesity_sdk.cluster.models.create_access_token_request_params import CreateAccessTokenRequestParams
from cohesity_sdk.cluster.models.create_tenant_request import CreateTenantRequest
from cohesity_sdk.cluster.models.create_user_parameters import CreateUserParameters
from cohesity_sdk.cluster.models.local_user_params import LocalUserParams
from cohesity_sdk.cluster.models.on_prem_tenant_config import OnPremTenantConfig
from cohesity_sdk.cluster.models.tenant_action_body import TenantActionBody
from cohesity_sdk.cluster.models.tenant_network import TenantNetwork
from cohesity_sdk.cluster.models.update_tenant_body import UpdateTenantBody
from cohesity_sdk.cluster.models.update_user_parameters import UpdateUserParameters

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_sdk_check import Runner, check, eq, parse_args, sdk_config  # noqa: E402

IMPERSONATE = "x-impersonate-tenant-id"
TENANT_STATUSES = {"Active", "Inactive", "MarkedForDeletion", "Deleted"}


def main():
    args = parse_args(__doc__)

    r = Runner(args.host)
    run = uuid.uuid4().hex[:6]
    pw = "Sdk-Tenant-Pass-1!" + run
    suffix_a, suffix_b, suffix_c = f"sa{run}", f"sb{run}", f"sc{run}"
    id_a, id_b, id_c = suffix_a + "/", suffix_b + "/", suffix_c + "/"
    name_a, name_b, name_c = f"SDK A {run}", f"SDK B {run}", f"SDK C {run}"
    boss, ann, bob, bea = "boss", f"ann_{run}", f"bob_{run}", f"bea_{run}"
    boss_login = f"{boss}@{suffix_a}"  # A's id without its trailing slash
    s = {}  # state shared by the steps

    def token_config(token):
        """A Configuration that sends `Authorization: Bearer <token>`, as ClusterClient does."""
        return sdk_config(args.host, Bearer="Bearer " + token)

    def login_token(username, password):
        tok = r.call(s["tokens"], "create_access_token", 201, CreateAccessTokenRequestParams(
            username=username, password=password, domain="LOCAL"))
        eq(tok.token_type, "Bearer", "tokenType")
        check(tok.access_token, "accessToken empty")
        return tok

    def check_tenant(t, what):
        check(t is not None, f"{what}: no TenantInfo")
        check(t.id and t.id.endswith("/"), f"{what}: id {t.id!r} does not end in '/'")
        check(t.name, f"{what}: name {t.name!r}")
        check(t.status in TENANT_STATUSES, f"{what}: status {t.status!r}")
        check(isinstance(t.created_at_time_msecs, int) and t.created_at_time_msecs > 0,
              f"{what}: createdAtTimeMsecs {t.created_at_time_msecs!r}")
        check(isinstance(t.last_updated_at_time_msecs, int) and t.last_updated_at_time_msecs >= t.created_at_time_msecs,
              f"{what}: lastUpdatedAtTimeMsecs {t.last_updated_at_time_msecs!r}")
        check(isinstance(t.is_managed_on_helios, bool), f"{what}: isManagedOnHelios {t.is_managed_on_helios!r}")
        if t.status == "Deleted":
            check(isinstance(t.deleted_at_time_msecs, int) and t.deleted_at_time_msecs > 0,
                  f"{what}: deletedAtTimeMsecs {t.deleted_at_time_msecs!r}")
        else:
            check(t.deleted_at_time_msecs is None, f"{what}: deletedAtTimeMsecs {t.deleted_at_time_msecs!r} on a live one")

    def ids_of(ts):
        check(isinstance(ts, list), f"list_tenants returned {type(ts).__name__}, want a list")
        return sorted(t.id for t in ts)

    def usernames(ul):
        check(ul is not None and isinstance(ul.users, list), f"users list {ul!r}")
        return sorted(u.username for u in ul.users)

    # ---- log in as the cluster's admin ---------------------------------------
    def login():
        c = ClusterClient(cluster_vip=args.host, username=args.username, password=args.password, domain="LOCAL")
        s["client"], s["tenants"], s["users"] = c, c.tenant_api, c.user_api
        s["tokens"] = c.access_token_api
        tok = login_token(args.username, args.password)
        for p in ("ORGANIZATION_VIEW", "ORGANIZATION_MODIFY", "ORGANIZATION_IMPERSONATE"):
            check(p in (tok.privileges or []), f"the admin's token lacks {p}: {tok.privileges!r}")
        return f"admin holds {len(tok.privileges)} privileges"
    r.step("login: ClusterClient(admin) + create_access_token (ORGANIZATION_* privileges)", login)
    if "client" not in s:
        print(f"0 passed, {r.failed} failed")
        return 1
    tenants, users = s["tenants"], s["users"]

    # ---- organizations on -------------------------------------------------------
    def tenant_config():
        cur = r.call(tenants, "get_on_prem_tenant_config", 200)
        check(isinstance(cur.organizations_enabled, bool), f"organizationsEnabled {cur.organizations_enabled!r}")
        sharing = cur.organizations_storage_domain_sharing_enabled
        check(isinstance(sharing, bool), f"organizationsStorageDomainSharingEnabled {sharing!r}")
        # Both booleans are required; sharing, once on, stays on: keep it.
        got = r.call(tenants, "update_on_prem_tenant_config", 200, OnPremTenantConfig(
            organizations_enabled=True, organizations_storage_domain_sharing_enabled=sharing))
        eq((got.organizations_enabled, got.organizations_storage_domain_sharing_enabled), (True, sharing), "updated config")
        again = r.call(tenants, "get_on_prem_tenant_config", 200)
        eq(again.organizations_enabled, True, "organizationsEnabled after update")
        return f"was enabled={cur.organizations_enabled}, sharing={sharing}"
    r.step("get_on_prem_tenant_config + update_on_prem_tenant_config (enable organizations)", tenant_config)

    # ---- organizations: create, list, get, rename, actions, delete --------------
    def create_tenants():
        before = int(time.time() * 1000) - 5000
        a = r.call(tenants, "create_tenant", 201, CreateTenantRequest(
            name=name_a, tenant_id_suffix=suffix_a, description="sdk tenant check A",
            network=TenantNetwork(connector_enabled=False, cluster_hostname="a.example.com")))
        check_tenant(a, "A")
        eq(a.id, id_a, "A's id (suffix + '/')")
        eq((a.name, a.description, a.status), (name_a, "sdk tenant check A", "Active"), "A")
        check(a.created_at_time_msecs >= before, f"createdAtTimeMsecs {a.created_at_time_msecs} is old")
        check(a.network is not None, "A's network missing")
        eq((a.network.connector_enabled, a.network.cluster_hostname), (False, "a.example.com"), "A's network")
        eq(a.is_managed_on_helios, False, "isManagedOnHelios")
        b = r.call(tenants, "create_tenant", 201, CreateTenantRequest(name=name_b, tenant_id_suffix=suffix_b))
        check_tenant(b, "B")
        eq((b.id, b.name, b.status), (id_b, name_b, "Active"), "B")
        check(b.description is None and b.network is None, f"B: unset description/network should be absent: {b!r}")
        s["a_created"] = a.created_at_time_msecs
        # The same suffix or name again is refused.
        e = r.expect_error(409, tenants.create_tenant, CreateTenantRequest(name=f"other {run}", tenant_id_suffix=suffix_a))
        r.expect_error(409, tenants.create_tenant, CreateTenantRequest(name=name_b, tenant_id_suffix=f"sx{run}"))
        return f"{id_a}, {id_b}; duplicate: {e.error_code}"
    r.step("create_tenant A (with network) and B (201, TenantInfo); duplicates 409", create_tenants)

    def list_tenants():
        every = r.call(tenants, "list_tenants", 200)
        got = ids_of(every)
        check(id_a in got and id_b in got, f"list_tenants() misses A or B: {got}")
        for t in every:
            check_tenant(t, f"listed {t.id}")
            check(t.status in ("Active", "Inactive"), f"default list holds {t.id} with status {t.status}")
        eq(ids_of(r.call(tenants, "list_tenants", 200, ids=[id_a, id_b])), sorted([id_a, id_b]), "ids=[A,B]")
        eq(ids_of(r.call(tenants, "list_tenants", 200, ids=[id_b])), [id_b], "ids=[B]")
        eq(ids_of(r.call(tenants, "list_tenants", 200, ids=[id_a, id_b], statuses=["Active"])),
           sorted([id_a, id_b]), "ids=[A,B] statuses=[Active]")
        eq(ids_of(r.call(tenants, "list_tenants", 200, ids=[id_a, id_b], statuses=["Inactive", "Deleted"])),
           [], "ids=[A,B] statuses=[Inactive,Deleted]")
        eq(ids_of(r.call(tenants, "list_tenants", 200, ids=[f"nope{run}/"])), [], "ids=[unknown]")
        r.expect_error(400, tenants.list_tenants, statuses=["Gone"])
        return f"{len(got)} organizations listed"
    r.step("list_tenants (bare array; ids and statuses filters)", list_tenants)

    def get_tenant():
        a = r.call(tenants, "get_tenant_by_id", 200, id_a)
        check_tenant(a, "get A")
        eq((a.id, a.name, a.status), (id_a, name_a, "Active"), "get_tenant_by_id(A)")
        r.expect_error(404, tenants.get_tenant_by_id, f"nope{run}/")
        r.expect_error(400, tenants.get_tenant_by_id, suffix_a)  # no trailing '/'
    r.step("get_tenant_by_id (path id escaped as %2F; unknown 404, malformed 400)", get_tenant)

    def rename_tenant():
        new = name_a + " renamed"
        a = r.call(tenants, "update_tenant", 200, id_a, UpdateTenantBody(name=new, description="renamed by sdk"))
        check_tenant(a, "updated A")
        eq((a.id, a.name, a.description, a.status), (id_a, new, "renamed by sdk", "Active"), "update_tenant(A)")
        eq(a.network.cluster_hostname if a.network else None, "a.example.com", "network kept (merge)")
        check(a.last_updated_at_time_msecs >= (s.get("a_created") or 0), "lastUpdatedAtTimeMsecs went back")
        g = r.call(tenants, "get_tenant_by_id", 200, id_a)
        eq((g.name, g.description), (new, "renamed by sdk"), "after get")
        r.expect_error(409, tenants.update_tenant, id_a, UpdateTenantBody(name=name_b))
        s["name_a"] = new
    r.step("update_tenant (rename A; another's name 409)", rename_tenant)

    def actions():
        a = r.call(tenants, "perform_tenant_action", 200, id_a, TenantActionBody(action="Deactivate"))
        check_tenant(a, "deactivated A")
        eq(a.status, "Inactive", "status after Deactivate")
        eq(ids_of(r.call(tenants, "list_tenants", 200, ids=[id_a, id_b], statuses=["Inactive"])), [id_a], "statuses=[Inactive]")
        eq(ids_of(r.call(tenants, "list_tenants", 200, ids=[id_a, id_b])), sorted([id_a, id_b]),
           "the default list holds inactive ones too")
        a = r.call(tenants, "perform_tenant_action", 200, id_a, TenantActionBody(action="Activate"))
        eq(a.status, "Active", "status after Activate")
        eq(r.call(tenants, "get_tenant_by_id", 200, id_a).status, "Active", "status after get")
    r.step("perform_tenant_action Deactivate -> Inactive, Activate -> Active", actions)

    def create_delete_third():
        c = r.call(tenants, "create_tenant", 201, CreateTenantRequest(name=name_c, tenant_id_suffix=suffix_c))
        eq((c.id, c.status), (id_c, "Active"), "C")
        r.call(tenants, "delete_tenant", 204, id_c)
        check(id_c not in ids_of(r.call(tenants, "list_tenants", 200)), "a deleted organization is in the default list")
        gone = r.call(tenants, "list_tenants", 200, ids=[id_c], statuses=["Deleted"])
        eq(ids_of(gone), [id_c], "statuses=[Deleted]")
        check_tenant(gone[0], "deleted C")
        r.expect_error(400, tenants.delete_tenant, id_c)
        r.expect_error(400, tenants.perform_tenant_action, id_c, TenantActionBody(action="Activate"))
        # Its id is never used again.
        r.expect_error(409, tenants.create_tenant, CreateTenantRequest(name=f"C again {run}", tenant_id_suffix=suffix_c))
    r.step("create_tenant + delete_tenant a third (204; then listed as Deleted; id not reused)", create_delete_third)

    # ---- acting inside A: its first admin ----------------------------------------
    def impersonate_create_admin():
        in_a = ApiClient(s["client"].configuration)
        in_a.set_default_header(IMPERSONATE, id_a)
        s["users_in_a"] = UserApi(in_a)
        got = r.call(s["users_in_a"], "create_users", 201, [CreateUserParameters(
            username=boss, domain="LOCAL", roles=["COHESITY_ADMIN"], description="A's admin",
            local_user_params=LocalUserParams(password=pw))])
        u = got.users[0]
        eq((u.username, u.tenant_id, u.roles), (boss, id_a, ["COHESITY_ADMIN"]), "A's admin")
        s["boss_sid"] = u.sid
        seen = r.call(s["users_in_a"], "get_users", 200)
        eq(usernames(seen), [boss], "users seen acting inside A")
        # The cluster's own list leaves A's users out; tenantIds names A.
        mine = r.call(users, "get_users", 200, usernames=[boss])
        check(all(x.tenant_id is None for x in mine.users), f"the cluster's list holds an organization's user: {mine.users!r}")
        named = r.call(users, "get_users", 200, tenant_ids=[id_a])
        eq([(x.username, x.tenant_id) for x in named.users], [(boss, id_a)], "get_users(tenantIds=[A])")
        return f"{boss} of {id_a} = {u.sid}"
    r.step("acting inside A (ApiClient.set_default_header x-impersonate-tenant-id): create_users A's admin", impersonate_create_admin)

    def tenant_admin_login():
        tok = login_token(boss_login, pw)
        privs = set(tok.privileges or [])
        check("PRINCIPAL_MODIFY" in privs, f"A's admin lacks PRINCIPAL_MODIFY: {sorted(privs)}")
        check("CLUSTER_MODIFY" not in privs, "A's admin holds CLUSTER_MODIFY")
        s["boss_token"] = tok.access_token
        s["boss_users"] = UserApi(ApiClient(token_config(tok.access_token)))
        s["boss_tenants"] = TenantApi(ApiClient(token_config(tok.access_token)))
        me = r.call(s["boss_users"], "get_user_by_sid", 200, s["boss_sid"])
        eq((me.username, me.tenant_id), (boss, id_a), "A's admin reads itself")
        # ClusterClient logs in the same way (AccessTokenApi under the hood).
        c = ClusterClient(cluster_vip=args.host, username=boss_login, password=pw, domain="LOCAL")
        eq(usernames(r.call(c.user_api, "get_users", 200)), [boss], "get_users via ClusterClient as A's admin")
        # Without the organization, or with another's, there is no such user.
        r.expect_error(401, s["tokens"].create_access_token,
                       CreateAccessTokenRequestParams(username=boss, password=pw, domain="LOCAL"))
        r.expect_error(401, s["tokens"].create_access_token,
                       CreateAccessTokenRequestParams(username=f"{boss}@{suffix_b}", password=pw, domain="LOCAL"))
        return f"{len(privs)} privileges"
    r.step(f"create_access_token as A's admin ('{boss}@<A>' domain LOCAL); bare name and B's -> 401", tenant_admin_login)

    # ---- A's admin manages A's users ------------------------------------------
    def tenant_admin_users():
        bu = s["boss_users"]
        got = r.call(bu, "create_users", 201, [
            CreateUserParameters(username=ann, domain="LOCAL", roles=["COHESITY_VIEWER"], description="A's viewer",
                                 local_user_params=LocalUserParams(password=pw, email=f"{ann}@example.com")),
            CreateUserParameters(username=bob, domain="LOCAL", roles=["COHESITY_VIEWER"],
                                 local_user_params=LocalUserParams(password=pw)),
        ])
        by = {u.username: u for u in got.users}
        eq(sorted(by), sorted([ann, bob]), "created")
        for u in got.users:
            eq(u.tenant_id, id_a, f"{u.username}'s tenantId")
        s["ann_sid"], s["bob_sid"] = by[ann].sid, by[bob].sid
        eq(usernames(r.call(bu, "get_users", 200)), sorted([boss, ann, bob]), "A's admin lists A's users")
        eq(usernames(r.call(bu, "get_users", 200, usernames=[ann])), [ann], "usernames=[ann]")
        u = r.call(bu, "update_user", 200, s["ann_sid"], UpdateUserParameters(description="changed by A's admin"))
        eq((u.description, u.roles, u.tenant_id), ("changed by A's admin", ["COHESITY_VIEWER"], id_a), "update_user (merge)")
        eq(r.call(bu, "get_user_by_sid", 200, s["ann_sid"]).description, "changed by A's admin", "after get")
        tok = login_token(f"{ann}@{suffix_a}", pw)
        check("PRINCIPAL_MODIFY" not in (tok.privileges or []), "a viewer of A holds PRINCIPAL_MODIFY")
        r.call(bu, "delete_user", 204, s["bob_sid"])
        r.expect_error(404, bu.get_user_by_sid, s["bob_sid"])
        eq(usernames(r.call(bu, "get_users", 200)), sorted([boss, ann]), "after delete_user")
        s.pop("bob_sid")
    r.step("as A's admin: create_users, get_users, update_user, get_user_by_sid, delete_user", tenant_admin_users)

    # ---- B's users are not A's admin's to see --------------------------------
    def isolation():
        got = r.call(users, "create_users", 201, [CreateUserParameters(
            username=bea, domain="LOCAL", roles=["COHESITY_VIEWER"],
            local_user_params=LocalUserParams(password=pw))], _headers={IMPERSONATE: id_b})
        u = got.users[0]
        eq((u.username, u.tenant_id), (bea, id_b), "B's user")
        s["bea_sid"] = u.sid
        eq(usernames(r.call(users, "get_users", 200, _headers={IMPERSONATE: id_b})), [bea], "users seen acting inside B")
        bu = s["boss_users"]
        seen = r.call(bu, "get_users", 200)
        check(s["bea_sid"] not in {x.sid for x in seen.users}, "A's admin lists B's user")
        check(all(x.tenant_id == id_a for x in seen.users), f"A's admin lists another's users: {seen.users!r}")
        eq(r.call(bu, "get_users", 200, sids=[s["bea_sid"]]).users, [], "get_users(sids=[B's user])")
        eq(r.call(bu, "get_users", 200, usernames=[bea]).users, [], "get_users(usernames=[B's user])")
        eq(r.call(bu, "get_users", 200, tenant_ids=[id_b]).users, [], "get_users(tenantIds=[B])")
        eq(usernames(r.call(bu, "get_users", 200, include_tenants=True)), sorted([boss, ann]), "includeTenants=true")
        e = r.expect_error(404, bu.get_user_by_sid, s["bea_sid"])
        r.expect_error(404, bu.update_user, s["bea_sid"], UpdateUserParameters(description="x"))
        r.expect_error(404, bu.delete_user, s["bea_sid"])
        # Nor B itself.
        eq(ids_of(r.call(s["boss_tenants"], "list_tenants", 200)), [id_a], "organizations A's admin sees")
        r.expect_error(404, s["boss_tenants"].get_tenant_by_id, id_b)
        return f"get_user_by_sid(B's user) -> 404 {e.error_code}"
    r.step("B's user (per-call _headers, acting inside B) is invisible to A's admin: lists, 404 by sid", isolation)

    # ---- deactivating A shuts its admin out ------------------------------------
    def deactivate():
        bu = s["boss_users"]
        r.call(bu, "get_users", 200)  # works before
        r.call(tenants, "perform_tenant_action", 200, id_a, TenantActionBody(action="Deactivate"))
        r.expect_error(401, bu.get_users)
        r.expect_error(401, bu.get_user_by_sid, s["boss_sid"])
        e = r.expect_error(403, s["tokens"].create_access_token,
                           CreateAccessTokenRequestParams(username=boss_login, password=pw, domain="LOCAL"))
        check("Inactive" in (e.message or ""), f"refusal does not say the organization is inactive: {e.message!r}")
        # A wrong password still answers 401: the state of A is told only to who knows the password.
        r.expect_error(401, s["tokens"].create_access_token,
                       CreateAccessTokenRequestParams(username=boss_login, password=pw + "x", domain="LOCAL"))
        # The cluster's admin still acts inside it.
        eq(usernames(r.call(s["users_in_a"], "get_users", 200)), sorted([boss, ann]), "acting inside inactive A")
        r.call(tenants, "perform_tenant_action", 200, id_a, TenantActionBody(action="Activate"))
        eq(usernames(r.call(bu, "get_users", 200)), sorted([boss, ann]), "the old token works again")
        login_token(boss_login, pw)
        return f"log-in while inactive -> {e.error_code}"
    r.step("Deactivate A: its admin's token 401, its log-in 403 (wrong password 401); Activate restores both", deactivate)

    # ---- clean up --------------------------------------------------------------
    def delete_refused():
        e = r.expect_error(400, tenants.delete_tenant, id_a)
        check("users" in (e.message or ""), f"refusal does not say what is left: {e.message!r}")
        eq(r.call(tenants, "get_tenant_by_id", 200, id_a).status, "Active", "A after the refusal")
        return e.message
    r.step("delete_tenant of an organization that still holds users -> 400", delete_refused)

    def cleanup():
        if "ann_sid" in s:
            r.call(s["boss_users"], "delete_user", 204, s["ann_sid"])
        if "bob_sid" in s:
            r.call(s["boss_users"], "delete_user", 204, s["bob_sid"])
        if "boss_sid" in s:
            r.call(s["users_in_a"], "delete_user", 204, s["boss_sid"])
        if "bea_sid" in s:
            r.call(users, "delete_user", 204, s["bea_sid"], _headers={IMPERSONATE: id_b})
        eq(r.call(s["users_in_a"], "get_users", 200).users, [], "A's users left")
        eq(r.call(users, "get_users", 200, _headers={IMPERSONATE: id_b}).users, [], "B's users left")
        r.expect_error(401, s["boss_users"].get_users)  # a deleted user's token
        r.call(tenants, "delete_tenant", 204, id_a)
        r.call(tenants, "delete_tenant", 204, id_b)
        left = ids_of(r.call(tenants, "list_tenants", 200, ids=[id_a, id_b]))
        eq(left, [], "A and B after delete")
        gone = ids_of(r.call(tenants, "list_tenants", 200, ids=[id_a, id_b, id_c], statuses=["Deleted"]))
        eq(gone, sorted([id_a, id_b, id_c]), "statuses=[Deleted]")
    r.step("clean up: delete the users (as A's admin, inside A, inside B), then delete_tenant A and B", cleanup)

    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
