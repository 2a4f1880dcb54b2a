package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/clusteriam/clusteriam/internal/clientaddr"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
)

// reserveCheck takes the limiter's token for one password check of account
// from the request's client address: the release func to call with the
// check's outcome, or the 429 to answer.
func reserveCheck(w http.ResponseWriter, r *http.Request, opts Options, account string) (func(ok bool), error) {
	release, wait, ok := opts.Limiter.Reserve(loginlimit.LimitedAddr(clientaddr.Of(r, opts.TrustedProxies)), account)
	if ok {
		return release, nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return nil, &httpError{http.StatusTooManyRequests, fmt.Sprintf("too many failed log-ins from this address; retry in %d s", secs)}
}
