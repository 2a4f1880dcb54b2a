#!/usr/bin/env python3
"""End-to-end check of a clusteriam server's security settings and Active
Directory domains through the vendor's Python SDK (issue 16).

Uses only the public API of the published Cohesity Python SDK (cohesity_sdk,
not part of this repository: put a checkout on PYTHONPATH, or name it with
--sdk or COHESITY_SDK_PATH): ClusterClient and its security_api,
active_directory_api and user_api, AccessTokenApi, and the SDK's models. The
Runner (wire checks, one line per step) is the one of python_sdk_check.py.

Flow: read the security config; require 12 characters with a special one,
and refuse the last 3 passwords (update_security_config); see a weak
password and a reused one refused; with --host-b, a second replica of the
same database, see it refuse a password the new rule forbids within 1 s of
the change on the first; join the Active Directory domain named by --ad-*
(create_active_directory: the cluster makes its machine account with the
administrator's credentials); find --ad-user with
get_active_directory_principals; add it with a role
(add_active_directory_principals); log it in with its directory password
(create_access_token); then delete the user, leave the domain
(delete_active_directory with the administrator's credentials) and put the
security config back. Every run uses fresh names.

Usage:
    python3 scripts/sdk/python_directory_check.py --sdk /path/to/cohesity_sdk \\
        --host 127.0.0.1:8443 [--host-b 127.0.0.1:8444] --password ADMIN-PASSWORD \\
        --ad-domain example.test --ad-dc 127.0.0.1 --ad-admin Administrator \\
        --ad-password PW --ad-user alice --ad-user-password PW
The server needs --directory-ca-file naming the CA of the domain
controller's certificate (LDAPS). `go test ./cmd/clusteriam -run
TestPythonSDKDirectories` starts all of it (two replicas on PostgreSQL and a
Samba AD domain controller) and runs this script.
"""

import os
import sys
import time
import uuid


def _sdk_path():
    """--sdk PATH / --sdk=PATH, else $COHESITY_SDK_PATH: read before the SDK is imported."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--sdk" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--sdk="):
            return a.split("=", 1)[1]
    return os.environ.get("COHESITY_SDK_PATH")


if _sdk_path():
    sys.path.insert(0, os.path.abspath(_sdk_path()))

from cohesity_sdk.cluster.cluster_client import ClusterClient  # noqa: E402
from cohesity_sdk.cluster.api_client import ApiClient  # noqa: E402
from cohesity_sdk.cluster.api.access_token_api import AccessTokenApi  # noqa: E402
from cohesity_sdk.cluster.api.security_api import SecurityApi  # noqa: E402
from cohesity_sdk.cluster.api.user_api import UserApi  # noqa: E402
from cohesity_sdk.cluster.models.active_directory_admin_params import ActiveDirectoryAdminParams  # noqa: E402
from cohesity_sdk.cluster.models.add_active_directory_principals_parameters import AddActiveDirectoryPrincipalsParameters  # noqa: E402
from cohesity_sdk.cluster.models.create_access_token_request_params import CreateAccessTokenRequestParams  # noqa: E402
from cohesity_sdk.cluster.models.create_active_directory_request import CreateActiveDirectoryRequest  # noqa: E402
from cohesity_sdk.cluster.models.create_user_parameters import CreateUserParameters  # noqa: E402
from cohesity_sdk.cluster.models.domain_controller import DomainController  # noqa: E402
from cohesity_sdk.cluster.models.local_user_params import LocalUserParams  # noqa: E402
from cohesity_sdk.cluster.models.machine_account import MachineAccount  # noqa: E402
from cohesity_sdk.cluster.models.security_config import SecurityConfig  # noqa: E402
from cohesity_sdk.cluster.models.security_config_password_reuse import SecurityConfigPasswordReuse  # noqa: E402
from cohesity_sdk.cluster.models.security_config_password_strength import SecurityConfigPasswordStrength  # noqa: E402
from cohesity_sdk.cluster.models.update_user_parameters import UpdateUserParameters  # noqa: E402
from cohesity_sdk.cluster.models.local_user_update_params import LocalUserUpdateParams  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_sdk_check import Runner, check, eq, parse_args, sdk_config  # noqa: E402

# How soon a change on one replica must hold on another.
REPLICA_BOUND = 1.0


def main():
    args = parse_args(__doc__,
                      (("--sdk",), dict(default=os.environ.get("COHESITY_SDK_PATH"),
                                        help="directory holding the cohesity_sdk package")),
                      (("--host-b",), dict(help="host:port of a second replica of the same database")),
                      (("--ad-domain",), dict(required=True)), (("--ad-dc",), dict(required=True)),
                      (("--ad-admin",), dict(default="Administrator")), (("--ad-password",), dict(required=True)),
                      (("--ad-user",), dict(default="alice")), (("--ad-user-password",), dict(required=True)))
    r = Runner(args.host)
    run = uuid.uuid4().hex[:6]
    s = {}

    def login():
        c = ClusterClient(cluster_vip=args.host, username=args.username, password=args.password, domain="LOCAL")
        s["sec"], s["ad"], s["users"] = c.security_api, c.active_directory_api, c.user_api
        cfg = r.call(s["sec"], "get_security_config", 200)
        s["before"] = cfg
        check(cfg.password_strength is not None and cfg.password_strength.min_length >= 8,
              f"passwordStrength {cfg.password_strength!r}")
        return f"minLength {cfg.password_strength.min_length}"
    r.step("login + get_security_config", login)
    if "sec" not in s:
        print(f"0 passed, {r.failed} failed")
        return 1

    def tighten():
        got = r.call(s["sec"], "update_security_config", 200, SecurityConfig(
            password_strength=SecurityConfigPasswordStrength(min_length=12, include_special_char=True),
            password_reuse=SecurityConfigPasswordReuse(num_disallowed_old_passwords=3)))
        eq((got.password_strength.min_length, got.password_strength.include_special_char,
            got.password_reuse.num_disallowed_old_passwords), (12, True, 3), "after the update")
        again = r.call(s["sec"], "get_security_config", 200)
        eq(again.password_reuse.num_disallowed_old_passwords, 3, "read back")
        return "minLength 12, special character, last 3 passwords refused"
    r.step("update_security_config: a stricter password policy", tighten)

    user = f"dir_py_{run}"
    pw1, pw2 = f"First-Pass-{run}!", f"Second-Pass-{run}!"

    def weak():
        e = r.expect_error(400, s["users"].create_users, [CreateUserParameters(
            username=user, domain="LOCAL", roles=["COHESITY_VIEWER"], local_user_params=LocalUserParams(password="Short-1!"))])
        check("12" in e.message, f"message {e.message!r} does not say the length")
        e = r.expect_error(400, s["users"].create_users, [CreateUserParameters(
            username=user, domain="LOCAL", roles=["COHESITY_VIEWER"], local_user_params=LocalUserParams(password="NoSpecialChar12"))])
        return f"refused: {e.message}"
    r.step("create_users: a weak password is refused", weak)

    def reuse():
        got = r.call(s["users"], "create_users", 201, [CreateUserParameters(
            username=user, domain="LOCAL", roles=["COHESITY_VIEWER"], local_user_params=LocalUserParams(password=pw1))])
        s["sid"] = got.users[0].sid
        # The user changes its own password, then tries the first again.
        tok = r.call(AccessTokenApi(ApiClient(sdk_config(args.host))), "create_access_token", 201,
                     CreateAccessTokenRequestParams(username=user, password=pw1, domain="LOCAL"))
        own = UserApi(ApiClient(sdk_config(args.host, Bearer="Bearer " + tok.access_token)))
        r.call(own, "update_user", 200, s["sid"], UpdateUserParameters(
            local_user_params=LocalUserUpdateParams(password=pw2, current_password=pw1)))
        e = r.expect_error(400, own.update_user, s["sid"], UpdateUserParameters(
            local_user_params=LocalUserUpdateParams(password=pw1, current_password=pw2)))
        return f"refused: {e.message}"
    r.step("update_user: a password used before is refused", reuse)

    if args.host_b:
        def replica():
            b_users = UserApi(ApiClient(sdk_config(args.host_b, Bearer=s["users"].api_client.configuration.api_key["Bearer"])))
            thirteen = f"Pw-{run}-ab!"  # 13 characters: fine at 12, refused at 14
            check(len(thirteen) == 13, "the probe password")
            r.call(s["sec"], "update_security_config", 200, SecurityConfig(
                password_strength=SecurityConfigPasswordStrength(min_length=14)))
            changed = time.monotonic()
            while True:
                try:
                    b_users.create_users([CreateUserParameters(username=f"dir_b_{uuid.uuid4().hex[:6]}", domain="LOCAL",
                                                               roles=[], local_user_params=LocalUserParams(password=thirteen))])
                except Exception as e:  # noqa: BLE001 - the refusal is what is awaited
                    if getattr(e, "status", None) == 400:
                        break
                    raise
                check(time.monotonic() - changed < 5, "replica B never applied the change")
                time.sleep(0.02)
            took = time.monotonic() - changed
            check(took < REPLICA_BOUND, f"replica B applied the change after {took:.3f} s")
            return f"replica B refused after {took * 1000:.0f} ms"
        r.step("update_security_config on A: replica B enforces it within 1 s", replica)

    def join():
        ad = r.call(s["ad"], "create_active_directory", 201, CreateActiveDirectoryRequest(
            domain_name=args.ad_domain, machine_accounts=[MachineAccount(name=f"CIAMPY{run[:4].upper()}")],
            active_directory_admin_params=ActiveDirectoryAdminParams(username=args.ad_admin, password=args.ad_password),
            preferred_domain_controllers=[DomainController(name=args.ad_dc)]))
        check(ad.id and ad.domain_name == args.ad_domain and ad.error is None, f"created {ad!r}")
        s["ad_id"] = ad.id
        listed = r.call(s["ad"], "get_active_directory", 200, domain_names=[args.ad_domain])
        eq([a.id for a in listed.active_directories], [ad.id], "get_active_directory")
        return f"id {ad.id}, machine account {ad.machine_accounts[0].name}"
    r.step("create_active_directory: join the domain", join)

    def find_and_add():
        found = r.call(s["ad"], "get_active_directory_principals", 200, domain_name=args.ad_domain,
                       search_term=args.ad_user[:3], object_class="User")
        mine = [p for p in found.principals if p.name == args.ad_user]
        check(len(mine) == 1, f"{args.ad_user} not found: {found!r}")
        added = r.call(s["ad"], "add_active_directory_principals", 200, [AddActiveDirectoryPrincipalsParameters(
            domain_name=args.ad_domain, name=args.ad_user, object_class="User", roles=["COHESITY_VIEWER"])])
        eq((added[0].sid, added[0].roles), (mine[0].sid, ["COHESITY_VIEWER"]), "added principal")
        s["ad_sid"] = added[0].sid
        return f"{args.ad_user} ({mine[0].full_name}) = {added[0].sid}"
    r.step("get_active_directory_principals + add_active_directory_principals", find_and_add)

    def ad_login():
        tok = r.call(AccessTokenApi(ApiClient(sdk_config(args.host))), "create_access_token", 201,
                     CreateAccessTokenRequestParams(username=args.ad_user, password=args.ad_user_password, domain=args.ad_domain))
        me = r.call(UserApi(ApiClient(sdk_config(args.host, Bearer="Bearer " + tok.access_token))), "get_user_by_sid", 200, s["ad_sid"])
        eq((me.username, me.domain), (args.ad_user, args.ad_domain), "the directory user")
        return "logged in with its directory password"
    r.step("create_access_token: the added directory user logs in", ad_login)

    def cleanup():
        for sid in (s.get("ad_sid"), s.get("sid")):
            if sid:
                r.call(s["users"], "delete_user", 204, sid)
        if s.get("ad_id"):
            r.call(s["ad"], "delete_active_directory", 204, s["ad_id"], args.ad_admin, args.ad_password)
        b = s["before"]
        r.call(s["sec"], "update_security_config", 200, SecurityConfig(
            password_strength=b.password_strength, password_reuse=b.password_reuse))
        return "user deleted, domain left, security config restored"
    r.step("cleanup: delete_user, delete_active_directory, update_security_config", cleanup)

    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
