package httpapi

import (
	"math"
	"net/http"
	"strconv"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// The vendor's ActiveDirectoryApi and LdapApi: directory domains added,
// read, changed and removed through the API. Ids are JSON integers.
// saveAnyway=true, a clusteriam extension, saves a domain the cluster
// cannot reach or bind to.

// pathID reads an integer id from the path.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequest("%s %q is not an integer id", name, v)
	}
	return id, nil
}

// queryIDs reads a list of integer ids.
func queryIDs(r *http.Request, name string) ([]int64, error) {
	var out []int64
	for _, v := range queryList(r, name) {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, badRequest("query parameter %s: %q is not an integer id", name, v)
		}
		out = append(out, id)
	}
	return out, nil
}

// queryFlag reads an optional boolean, false when absent.
func queryFlag(r *http.Request, name string) (bool, error) {
	b, err := queryBool(r, name)
	return b != nil && *b, err
}

// readDomainFilter reads the list parameters of get_active_directory and
// get_ldaps.
func readDomainFilter(r *http.Request, names string) (iam.DomainFilter, error) {
	sc, err := readScope(r)
	if err != nil {
		return iam.DomainFilter{}, err
	}
	ids, err := queryIDs(r, "ids")
	f := iam.DomainFilter{IDs: ids, Scope: sc}
	if names != "" {
		f.Names = queryList(r, names)
	}
	return f, err
}

type activeDirectories struct {
	ActiveDirectories []domainspec.ADResponse `json:"activeDirectories"`
}

func handleListADs(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		f, err := readDomainFilter(r, "domainNames")
		if err != nil {
			return err
		}
		ads, err := svc.ActiveDirectories(r.Context(), p, f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, activeDirectories{ads})
		return nil
	}
}

func handleGetAD(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var more iam.ADDetail
		if _, err := queryFlag(r, "includeCentrifyZones"); err != nil {
			return err // no Centrify zones here: none are listed
		}
		if _, err := queryEnum(r, "objectClass", domainspec.ObjectClasses); err != nil {
			return err
		}
		if more.DomainControllers, err = queryFlag(r, "includeDomainControllers"); err != nil {
			return err
		}
		if more.Principals, err = queryFlag(r, "includeSecurityPrincipals"); err != nil {
			return err
		}
		more.Prefix = queryString(r, "prefix")
		ad, err := svc.ActiveDirectory(r.Context(), p, id, more)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ad)
		return nil
	}
}

// handleSave decodes a domain's configuration and saves it: saveAnyway,
// a clusteriam extension, is read before the body.
func handleSave[T any](status int, save func(r *http.Request, p *iam.Principal, body T, anyway bool) (any, error)) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		anyway, err := queryFlag(r, "saveAnyway")
		if err != nil {
			return err
		}
		var b T
		if err := decode(w, r, &b); err != nil {
			return err
		}
		out, err := save(r, p, b, anyway)
		if err != nil {
			return err
		}
		writeJSON(w, status, out)
		return nil
	}
}

func handleCreateAD(svc *iam.Service) authedHandler {
	return handleSave(http.StatusCreated, func(r *http.Request, p *iam.Principal, b domainspec.ADRequest, anyway bool) (any, error) {
		return svc.CreateActiveDirectory(r.Context(), p, b, anyway)
	})
}

func handleUpdateAD(svc *iam.Service) authedHandler {
	return handleSave(http.StatusOK, func(r *http.Request, p *iam.Principal, b domainspec.ADRequest, anyway bool) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return svc.UpdateActiveDirectory(r.Context(), p, id, b, anyway)
	})
}

// handleCreateLDAP and handleUpdateLDAP serve create_ldap_provider (201)
// and update_ldap_provider (200, the id in the body).
func handleCreateLDAP(svc *iam.Service) authedHandler {
	return handleSave(http.StatusCreated, func(r *http.Request, p *iam.Principal, b domainspec.LDAP, anyway bool) (any, error) {
		return svc.CreateLDAPProvider(r.Context(), p, b, anyway)
	})
}

func handleUpdateLDAP(svc *iam.Service) authedHandler {
	return handleSave(http.StatusOK, func(r *http.Request, p *iam.Principal, b domainspec.LDAP, anyway bool) (any, error) {
		return svc.UpdateLDAPProvider(r.Context(), p, b, anyway)
	})
}

// handleDeleteAD reads the administrator's credentials from the request
// headers, as both SDKs send them (the Go SDK canonicalises the names,
// and sends them empty when unset: empty is absent).
func handleDeleteAD(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		force, err := queryFlag(r, "forceRemove")
		if err != nil {
			return err
		}
		how := iam.ADLeave{AdminUsername: r.Header.Get("activeDirectoryAdminUsername"),
			AdminPassword: r.Header.Get("activeDirectoryAdminPassword"), Force: force}
		if err := svc.DeleteActiveDirectory(r.Context(), p, id, how); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

type domainControllersResponse struct {
	DomainControllers []domainspec.DomainControllers `json:"domainControllers"`
}

func handleDomainControllers(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		if _, err := queryInt(r, "connectionId", 0, math.MinInt64, math.MaxInt64); err != nil {
			return err // connections are the vendor's cloud connectors: none here
		}
		dcs, err := svc.DomainControllers(r.Context(), p, queryList(r, "domainNames"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, domainControllersResponse{dcs})
		return nil
	}
}

func handleGetTrusted(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		t, err := svc.TrustedDomains(r.Context(), p, queryString(r, "domainName"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

func handleUpdateTrusted(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b domainspec.TrustedDomainParams
		if err := decode(w, r, &b); err != nil {
			return err
		}
		t, err := svc.SetTrustedDomains(r.Context(), p, queryString(r, "domainName"), b)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

// handleTriggerTrusted answers 202 with no body, as both SDKs expect.
func handleTriggerTrusted(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		rediscover, err := queryBool(r, "rediscover")
		if err != nil {
			return err
		}
		if rediscover == nil {
			return badRequest("query parameter rediscover is required")
		}
		if err := svc.RediscoverTrustedDomains(r.Context(), p, queryString(r, "domainName"), *rediscover); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
}

// adPrincipal is ActiveDirectoryPrincipal.
type adPrincipal struct {
	DomainName  string  `json:"domainName"`
	FullName    string  `json:"fullName,omitempty"`
	SID         *string `json:"sid"`
	Name        string  `json:"name"`
	ObjectClass string  `json:"objectClass"`
}

type adPrincipals struct {
	Principals []adPrincipal `json:"principals"`
}

func handleSearchADPrincipals(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		class := queryString(r, "objectClass")
		if class != "" {
			if _, err := queryEnum(r, "objectClass", domainspec.ObjectClasses); err != nil {
				return err
			}
		}
		for _, flag := range []string{"includeComputers", "includeServiceAccounts"} {
			if _, err := queryFlag(r, flag); err != nil {
				return err // neither is a principal of this cluster: none are found
			}
		}
		found, err := svc.SearchDirectoryPrincipals(r.Context(), p, iam.PrincipalQuery{Domain: queryString(r, "domainName"),
			SIDs: queryList(r, "sids"), SearchTerm: queryString(r, "searchTerm"), ObjectClass: class})
		if err != nil {
			return err
		}
		out := adPrincipals{Principals: make([]adPrincipal, len(found))}
		for i, f := range found {
			sid := f.SID
			out.Principals[i] = adPrincipal{DomainName: f.Domain, FullName: f.FullName, SID: &sid, Name: f.Name, ObjectClass: f.ObjectClass}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// addADPrincipal is AddActiveDirectoryPrincipalsParameters; the Go SDK
// sends roles as null when unset.
type addADPrincipal struct {
	DomainName  *string  `json:"domainName"`
	Name        *string  `json:"name"`
	ObjectClass *string  `json:"objectClass"`
	Description *string  `json:"description"`
	Restricted  *bool    `json:"restricted"`
	Roles       []string `json:"roles"`
}

// addedADPrincipal is AddedActiveDirectoryPrincipal.
type addedADPrincipal struct {
	DomainName           string   `json:"domainName"`
	Name                 string   `json:"name"`
	ObjectClass          string   `json:"objectClass"`
	Description          string   `json:"description,omitempty"`
	Restricted           bool     `json:"restricted"`
	Roles                []string `json:"roles"`
	CreatedTimeMsecs     int64    `json:"createdTimeMsecs"`
	LastUpdatedTimeMsecs int64    `json:"lastUpdatedTimeMsecs"`
	SID                  string   `json:"sid"`
}

func handleAddADPrincipals(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b []addADPrincipal
		if err := decode(w, r, &b); err != nil {
			return err
		}
		if len(b) == 0 || len(b) > iam.MaxBulk {
			return badRequest("the body lists %d principals; give 1 to %d", len(b), iam.MaxBulk)
		}
		in := make([]iam.NewDirectoryPrincipal, len(b))
		for i, e := range b {
			if e.DomainName == nil || e.Name == nil || e.ObjectClass == nil {
				return badRequest("[%d]: domainName, name and objectClass are required", i)
			}
			in[i] = iam.NewDirectoryPrincipal{Domain: *e.DomainName, Name: *e.Name, ObjectClass: *e.ObjectClass,
				Roles: e.Roles, Description: deref(e.Description), Restricted: deref(e.Restricted)}
		}
		added, err := svc.AddDirectoryPrincipals(r.Context(), p, in)
		if err != nil {
			return err
		}
		out := make([]addedADPrincipal, len(added))
		for i, a := range added {
			out[i] = addedADPrincipal{DomainName: a.Domain, Name: a.Name, ObjectClass: a.ObjectClass, Description: a.Description,
				Restricted: a.Restricted, Roles: a.Roles, CreatedTimeMsecs: a.CreatedMsecs, LastUpdatedTimeMsecs: a.UpdatedMsecs, SID: a.SID}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

type ldaps struct {
	Ldaps []domainspec.LDAP `json:"ldaps"`
}

func handleListLDAPs(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		f, err := readDomainFilter(r, "")
		if err != nil {
			return err
		}
		ls, err := svc.LDAPProviders(r.Context(), p, f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ldaps{ls})
		return nil
	}
}

func handleDeleteLDAP(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := svc.DeleteLDAPProvider(r.Context(), p, id); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

type ldapStatus struct {
	ConnectionStatus string `json:"connectionStatus"`
}

func handleLDAPStatus(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		st, err := svc.LDAPConnectionStatus(r.Context(), p, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ldapStatus{st})
		return nil
	}
}
