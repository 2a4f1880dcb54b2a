package docs_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// asvsInScope lists, with its level, every requirement of OWASP ASVS 4.0.3
// chapters V2, V3, V4, V6 and V7 that is marked L1 or L2, one section a
// line, as in "OWASP Application Security Verification Standard
// 4.0.3-en.csv" at tag v4.0.3_release of github.com/OWASP/ASVS. The level
// is the lowest at which the requirement applies.
const asvsInScope = `
	V2.1.1 L1  V2.1.2 L1  V2.1.3 L1  V2.1.4 L1  V2.1.5 L1  V2.1.6 L1  V2.1.7 L1  V2.1.8 L1  V2.1.9 L1  V2.1.10 L1  V2.1.11 L1  V2.1.12 L1
	V2.2.1 L1  V2.2.2 L1  V2.2.3 L1
	V2.3.1 L1  V2.3.2 L2  V2.3.3 L2
	V2.4.1 L2  V2.4.2 L2  V2.4.3 L2  V2.4.4 L2  V2.4.5 L2
	V2.5.1 L1  V2.5.2 L1  V2.5.3 L1  V2.5.4 L1  V2.5.5 L1  V2.5.6 L1  V2.5.7 L2
	V2.6.1 L2  V2.6.2 L2  V2.6.3 L2
	V2.7.1 L1  V2.7.2 L1  V2.7.3 L1  V2.7.4 L1  V2.7.5 L2  V2.7.6 L2
	V2.8.1 L1  V2.8.2 L2  V2.8.3 L2  V2.8.4 L2  V2.8.5 L2  V2.8.6 L2  V2.8.7 L2
	V2.9.1 L2  V2.9.2 L2  V2.9.3 L2
	V2.10.1 L2  V2.10.2 L2  V2.10.3 L2  V2.10.4 L2
	V3.1.1 L1
	V3.2.1 L1  V3.2.2 L1  V3.2.3 L1  V3.2.4 L2
	V3.3.1 L1  V3.3.2 L1  V3.3.3 L2  V3.3.4 L2
	V3.4.1 L1  V3.4.2 L1  V3.4.3 L1  V3.4.4 L1  V3.4.5 L1
	V3.5.1 L2  V3.5.2 L2  V3.5.3 L2
	V3.7.1 L1
	V4.1.1 L1  V4.1.2 L1  V4.1.3 L1  V4.1.5 L1
	V4.2.1 L1  V4.2.2 L1
	V4.3.1 L1  V4.3.2 L1  V4.3.3 L2
	V6.1.1 L2  V6.1.2 L2  V6.1.3 L2
	V6.2.1 L1  V6.2.2 L2  V6.2.3 L2  V6.2.4 L2  V6.2.5 L2  V6.2.6 L2
	V6.3.1 L2  V6.3.2 L2
	V6.4.1 L2  V6.4.2 L2
	V7.1.1 L1  V7.1.2 L1  V7.1.3 L2  V7.1.4 L2
	V7.2.1 L2  V7.2.2 L2
	V7.3.1 L2  V7.3.3 L2  V7.3.4 L2
	V7.4.1 L1  V7.4.2 L2  V7.4.3 L2
`

// asvsAlsoInScope are requirements of other chapters that docs/security.md
// maps too, with their levels: the headers of every answer.
const asvsAlsoInScope = `V8.1.1 L2  V8.2.1 L1  V14.4.5 L1`

// asvsOutOfScope are the other ids of those chapters: a row for one of
// them is a mistake.
var asvsOutOfScope = map[string]string{
	"V2.2.4": "L3 only", "V2.2.5": "L3 only", "V2.2.6": "L3 only", "V2.2.7": "L3 only",
	"V3.6.1": "L3 only", "V3.6.2": "L3 only", "V4.1.4": "deleted in 4.0.3",
	"V6.2.7": "L3 only", "V6.2.8": "L3 only", "V6.3.3": "L3 only", "V7.3.2": "deleted in 4.0.3",
}

// requirement is one id in scope and its level.
type requirement struct{ id, level string }

func inScope() []requirement {
	f := strings.Fields(asvsInScope + " " + asvsAlsoInScope)
	out := make([]requirement, 0, len(f)/2)
	for i := 0; i+1 < len(f); i += 2 {
		out = append(out, requirement{f[i], f[i+1]})
	}
	return out
}

// TestSecurityDoc checks docs/security.md against the ASVS ids in scope and
// the tests of the repository: every id has one row whose proof names
// tests that exist, or says "N/A: <reason>" or "Not met: <reason>".
func TestSecurityDoc(t *testing.T) {
	doc, err := os.ReadFile("security.md")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := indexTests(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := checkDoc(string(doc), idx)
	problems = append(problems, checkSummary(string(doc), rows)...)
	for _, p := range problems {
		t.Error(p)
	}
	var tested, na, notMet int
	for _, r := range rows {
		switch {
		case strings.HasPrefix(r.proof, "N/A:"):
			na++
		case strings.HasPrefix(r.proof, "Not met:"):
			notMet++
		default:
			tested++
		}
	}
	t.Logf("docs/security.md: %d requirements: %d proven by tests, %d N/A, %d not met", len(rows), tested, na, notMet)
}

// row is one requirement row of a table.
type row struct {
	line                int
	id, req, how, proof string
	cells               int
}

// tableRowRE matches a table row whose first cell is an ASVS id.
var tableRowRE = regexp.MustCompile(`^\|\s*(V\d+\.\d+\.\d+)\s*\|`)

// parseRows returns the requirement rows of doc.
func parseRows(doc string) []row {
	var rows []row
	for i, line := range strings.Split(doc, "\n") {
		m := tableRowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		r := row{line: i + 1, id: m[1], cells: len(cells)}
		if len(cells) == 4 {
			r.req, r.how, r.proof = strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2]), strings.TrimSpace(cells[3])
		}
		rows = append(rows, r)
	}
	return rows
}

// checkDoc returns the rows of doc and what is wrong with it.
func checkDoc(doc string, idx testIndex) ([]row, []string) {
	rows := parseRows(doc)
	level := map[string]string{}
	for _, r := range inScope() {
		level[r.id] = r.level
	}
	var problems []string
	first := map[string]int{}
	for _, r := range rows {
		where := fmt.Sprintf("security.md:%d: %s", r.line, r.id)
		switch {
		case asvsOutOfScope[r.id] != "":
			problems = append(problems, fmt.Sprintf("%s is out of scope (%s): remove its row", where, asvsOutOfScope[r.id]))
			continue
		case level[r.id] == "":
			problems = append(problems, fmt.Sprintf("%s is no ASVS 4.0.3 requirement of the chapters in scope", where))
			continue
		case first[r.id] != 0:
			problems = append(problems, fmt.Sprintf("%s has a second row (the first is at line %d)", where, first[r.id]))
			continue
		}
		first[r.id] = r.line
		problems = append(problems, checkRow(where, r, level[r.id], idx)...)
	}
	for _, r := range inScope() {
		if first[r.id] == 0 {
			problems = append(problems, fmt.Sprintf("%s (%s): no row in security.md", r.id, r.level))
		}
	}
	return rows, problems
}

// summaryRE matches the list of unmet requirements near the top of the
// document; it ends at the first full stop followed by a space.
var (
	summaryRE = regexp.MustCompile(`(?s)Not met at this time:(.*?)\.(?:\s|$)`)
	idRE      = regexp.MustCompile(`\d+\.\d+\.\d+`)
)

// checkSummary checks that the summary lists exactly the rows whose proof
// is "Not met:".
func checkSummary(doc string, rows []row) []string {
	m := summaryRE.FindStringSubmatch(doc)
	if m == nil {
		return []string{"security.md has no summary \"Not met at this time: <ids>.\""}
	}
	listed := map[string]bool{}
	for _, id := range idRE.FindAllString(m[1], -1) {
		listed["V"+id] = true
	}
	var problems []string
	for _, r := range rows {
		notMet := strings.HasPrefix(r.proof, "Not met:")
		switch {
		case notMet && !listed[r.id]:
			problems = append(problems, fmt.Sprintf("security.md:%d: %s is not met but missing from the summary \"Not met at this time\"", r.line, r.id))
		case !notMet && listed[r.id]:
			problems = append(problems, fmt.Sprintf("security.md: the summary \"Not met at this time\" lists %s, whose row is not \"Not met:\"", r.id))
		}
		delete(listed, r.id)
	}
	for id := range listed {
		problems = append(problems, fmt.Sprintf("security.md: the summary \"Not met at this time\" lists %s, which has no row", id))
	}
	return problems
}

// checkRow checks the cells of one row.
func checkRow(where string, r row, level string, idx testIndex) []string {
	if r.cells != 4 {
		return []string{fmt.Sprintf("%s: the row has %d cells, want 4 (id, requirement, how, proof)", where, r.cells)}
	}
	var problems []string
	if !strings.HasPrefix(r.req, level) {
		problems = append(problems, fmt.Sprintf("%s: the requirement does not start with its level %s: %q", where, level, r.req))
	}
	cites, loose := citations(r.proof)
	for _, name := range loose {
		problems = append(problems, fmt.Sprintf("%s: cites `%s` without its package directory; write `%s` (dir/of/its/package)", where, name, name))
	}
	for _, c := range cites {
		if msg := idx.missing(c); msg != "" {
			problems = append(problems, fmt.Sprintf("%s: cites `%s` (%s), but %s", where, c.test, c.dir, msg))
		}
	}
	switch {
	case r.proof == "":
		problems = append(problems, where+": empty proof: name a test, or say \"N/A: <reason>\" or \"Not met: <what is missing>\"")
	case reasonAfter(r.proof, "N/A:"), reasonAfter(r.proof, "Not met:"):
	case strings.HasPrefix(r.proof, "N/A:"), strings.HasPrefix(r.proof, "Not met:"):
		problems = append(problems, where+": \"N/A:\" or \"Not met:\" without a reason")
	case len(cites) == 0:
		problems = append(problems, fmt.Sprintf("%s: the proof %q names no test and is neither \"N/A: <reason>\" nor \"Not met: <reason>\"", where, r.proof))
	}
	return problems
}

// reasonAfter reports whether proof is prefix followed by a reason.
func reasonAfter(proof, prefix string) bool {
	rest, ok := strings.CutPrefix(proof, prefix)
	return ok && strings.TrimSpace(rest) != ""
}

// citation is one test cited with the directory of its package.
type citation struct{ test, dir string }

var (
	// citeRE is one or more backquoted names followed by "(dir)" or
	// "(dir, dir)".
	citeRE = regexp.MustCompile("((?:`[^`]+`(?:,\\s*|\\s+and\\s+)?)+)\\s*\\(([a-z0-9_./-]+(?:,\\s*[a-z0-9_./-]+)*)\\)")
	nameRE = regexp.MustCompile("`([^`]+)`")
	testRE = regexp.MustCompile(`^(?:Test|Fuzz)[A-Za-z0-9_]*(?:/[A-Za-z0-9_-]+)*$`)
)

// citations returns the tests a proof cites with their directories, and
// the test names it gives without one.
func citations(proof string) (cites []citation, loose []string) {
	covered := map[string]bool{}
	for _, m := range citeRE.FindAllStringSubmatch(proof, -1) {
		for _, n := range nameRE.FindAllStringSubmatch(m[1], -1) {
			covered[n[1]] = true
			for _, dir := range strings.Split(m[2], ",") {
				cites = append(cites, citation{n[1], strings.TrimSpace(dir)})
			}
		}
	}
	for _, n := range nameRE.FindAllStringSubmatch(proof, -1) {
		if testRE.MatchString(n[1]) && !covered[n[1]] {
			loose = append(loose, n[1])
		}
	}
	return cites, loose
}

// testIndex is what the repository's tests declare.
type testIndex struct {
	dirs        map[string]bool            // every directory, relative to the root
	funcs       map[string]map[string]bool // dir -> Test and Fuzz functions of its _test.go files
	sources     map[string]string          // dir -> its _test.go files, concatenated
	conformance map[string]bool            // subtests of the store conformance suite
}

// storetestDir holds the conformance suite that TestConformance runs.
const storetestDir = "internal/store/storetest"

// missing says why c is not a test of the repository, or "" if it is.
func (idx testIndex) missing(c citation) string {
	if !testRE.MatchString(c.test) {
		return "that is not the name of a Go test or fuzz function"
	}
	if !idx.dirs[c.dir] {
		return c.dir + " is not a directory of the repository"
	}
	base, sub, _ := strings.Cut(c.test, "/")
	if !idx.funcs[c.dir][base] {
		return fmt.Sprintf("no *_test.go in %s declares func %s(", c.dir, base)
	}
	if sub == "" {
		return ""
	}
	if base == "TestConformance" {
		if !idx.conformance[sub] {
			return fmt.Sprintf("%s has no conformance subtest %q", storetestDir, sub)
		}
		return ""
	}
	for _, part := range strings.Split(sub, "/") {
		// t.Run turns spaces into underscores.
		if !strings.Contains(idx.sources[c.dir], `"`+part+`"`) && !strings.Contains(idx.sources[c.dir], `"`+strings.ReplaceAll(part, "_", " ")+`"`) {
			return fmt.Sprintf("no *_test.go in %s names the subtest %q", c.dir, part)
		}
	}
	return ""
}

var (
	testFuncRE    = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]*)\(`)
	conformanceRE = regexp.MustCompile(`\{"([A-Za-z0-9_]+)",\s*test[A-Za-z0-9_]*\}`)
)

// indexTests reads the tests of the module at root, leaving out hidden
// directories, test data and nested modules.
func indexTests(root string) (testIndex, error) {
	idx := testIndex{dirs: map[string]bool{}, funcs: map[string]map[string]bool{}, sources: map[string]string{}, conformance: map[string]bool{}}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || exists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			idx.dirs[rel] = true
			return nil
		}
		if !strings.HasSuffix(rel, ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if !strings.HasSuffix(rel, "_test.go") && dir != storetestDir {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		idx.add(dir, strings.HasSuffix(rel, "_test.go"), string(src))
		return nil
	})
	if err != nil {
		return testIndex{}, fmt.Errorf("index the tests under %s: %w", root, err)
	}
	return idx, nil
}

// add records one Go file of dir.
func (idx testIndex) add(dir string, isTest bool, src string) {
	if dir == storetestDir {
		for _, m := range conformanceRE.FindAllStringSubmatch(src, -1) {
			idx.conformance[m[1]] = true
		}
	}
	if !isTest {
		return
	}
	if idx.funcs[dir] == nil {
		idx.funcs[dir] = map[string]bool{}
	}
	for _, m := range testFuncRE.FindAllStringSubmatch(src, -1) {
		idx.funcs[dir][m[1]] = true
	}
	idx.sources[dir] += src
}

// moduleRoot is the directory of the go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !exists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// whole is a document in which every id has a good row, with proof for
// the id "V2.1.1".
func whole(proof string) string {
	var b strings.Builder
	b.WriteString("| ASVS id | requirement (short) | how | proof |\n|---|---|---|---|\n")
	for _, r := range inScope() {
		p := "N/A: no such feature"
		if r.id == "V2.1.1" {
			p = proof
		}
		fmt.Fprintf(&b, "| %s | %s: text | how | %s |\n", r.id, r.level, p)
	}
	return b.String()
}

// TestSecurityDocChecks feeds the checker broken documents and wants each
// fault reported with the id and the test at fault.
func TestSecurityDocChecks(t *testing.T) {
	idx := testIndex{
		dirs:        map[string]bool{"internal/iam": true, "cmd/clusteriam": true, "internal/store/sqlite": true},
		funcs:       map[string]map[string]bool{"internal/iam": {"TestLockout": true}, "cmd/clusteriam": {"TestReplicas": true}, "internal/store/sqlite": {"TestConformance": true}},
		sources:     map[string]string{"cmd/clusteriam": `t.Run("RevocationReachesB", f)`},
		conformance: map[string]bool{"UserCreateGet": true},
	}
	cases := []struct {
		name, doc string
		want      []string // "" for no problem
	}{
		{"good tests", whole("`TestLockout` (internal/iam); `TestReplicas/RevocationReachesB` (cmd/clusteriam); `TestConformance/UserCreateGet` (internal/store/sqlite)"), nil},
		{"good N/A", whole("N/A: no browser"), nil},
		{"good Not met", whole("Not met: nothing; what exists: `TestLockout` (internal/iam)"), nil},
		{"missing row", strings.Replace(whole("N/A: x"), "| V7.4.3 |", "| V7.4.33 |", 1), []string{"V7.4.3 (L2): no row", "V7.4.33 is no ASVS"}},
		{"second row", whole("N/A: x") + "| V2.1.1 | L1: again | how | N/A: y |\n", []string{"V2.1.1 has a second row"}},
		{"out of scope", whole("N/A: x") + "| V2.2.4 | L3: phishing | how | N/A: y |\n", []string{"V2.2.4 is out of scope (L3 only)"}},
		{"empty proof", whole(""), []string{"V2.1.1: empty proof"}},
		{"N/A without reason", whole("N/A:"), []string{"V2.1.1: \"N/A:\" or \"Not met:\" without a reason"}},
		{"prose only", whole("it is fine"), []string{"V2.1.1: the proof \"it is fine\" names no test"}},
		{"unknown test", whole("`TestAuthorizationMatrix` (internal/iam)"), []string{"V2.1.1: cites `TestAuthorizationMatrix` (internal/iam), but no *_test.go in internal/iam declares func TestAuthorizationMatrix("}},
		{"wrong package", whole("`TestLockout` (cmd/clusteriam)"), []string{"cites `TestLockout` (cmd/clusteriam), but no *_test.go in cmd/clusteriam declares func TestLockout("}},
		{"no such dir", whole("`TestLockout` (internal/nope)"), []string{"internal/nope is not a directory"}},
		{"no package", whole("`TestLockout`"), []string{"V2.1.1: cites `TestLockout` without its package directory", "names no test"}},
		{"unknown subtest", whole("`TestReplicas/Nope` (cmd/clusteriam)"), []string{"names the subtest \"Nope\""}},
		{"unknown conformance subtest", whole("`TestConformance/Audit` (internal/store/sqlite)"), []string{"internal/store/storetest has no conformance subtest \"Audit\""}},
		{"not a test name", whole("`NeedsRehash` (internal/iam)"), []string{"cites `NeedsRehash` (internal/iam), but that is not the name of a Go test"}},
		{"wrong level", strings.Replace(whole("N/A: x"), "| V2.3.2 | L2: text", "| V2.3.2 | L1: text", 1), []string{"V2.3.2: the requirement does not start with its level L2"}},
		{"three cells", strings.Replace(whole("N/A: x"), "| V2.1.2 | L1: text | how | N/A: no such feature |", "| V2.1.2 | L1: text | N/A |", 1), []string{"V2.1.2: the row has 3 cells"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, got := checkDoc(c.doc, idx)
			if len(c.want) == 0 && len(got) > 0 {
				t.Fatalf("problems in a good document:\n%s", strings.Join(got, "\n"))
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no problem says %q; got:\n%s", w, strings.Join(got, "\n"))
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
		})
	}
}

// TestSecurityDocSummary: the summary of unmet requirements must match the
// rows.
func TestSecurityDocSummary(t *testing.T) {
	rows := parseRows("| V2.1.1 | L1: a | b | Not met: c |\n| V2.1.2 | L1: a | b | N/A: c |\n")
	cases := []struct {
		summary string
		want    []string
	}{
		{"Not met at this time: 2.1.1. More.", nil},
		{"Not met at this time: 2.1.1 and\n2.1.2.", []string{"lists V2.1.2, whose row is not"}},
		{"Not met at this time: none.", []string{"V2.1.1 is not met but missing"}},
		{"Not met at this time: 2.1.1, 9.9.9.", []string{"lists V9.9.9, which has no row"}},
		{"", []string{"no summary"}},
	}
	for _, c := range cases {
		got := checkSummary(c.summary, rows)
		if len(got) != len(c.want) {
			t.Errorf("%q: %d problems, want %d: %q", c.summary, len(got), len(c.want), got)
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%q: problem %q does not say %q", c.summary, got[i], w)
			}
		}
	}
}
