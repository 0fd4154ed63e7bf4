package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// subcommands are wws's commands and the functions that run them.
var subcommands = map[string]string{
	"demo": "cmdDemo", "serve": "cmdServe", "call": "cmdCall", "decode": "cmdDecode", "bench": "cmdBench",
}

// helpGaps are the known gaps in a command's -h text: logged, not failed,
// until fixed — and then TestHelp asks for the entry to be removed.
var helpGaps = map[string]string{}

// flagMethods are the flag.FlagSet methods that define a flag.
var flagMethods = map[string]bool{
	"Bool": true, "BoolVar": true, "BoolFunc": true, "Duration": true, "DurationVar": true,
	"Float64": true, "Float64Var": true, "Func": true, "Int": true, "IntVar": true, "Int64": true,
	"Int64Var": true, "String": true, "StringVar": true, "TextVar": true, "Uint": true, "UintVar": true,
	"Uint64": true, "Uint64Var": true, "Var": true,
}

// candidateFlags returns, per function of the package, the names of the
// flags it may define on a FlagSet parameter or variable named fsName —
// directly or through package functions it hands the FlagSet to (every
// branch counted: TestHelp asks the command which ones it really has).
func candidateFlags(t *testing.T) func(fn string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	funcs := map[string]*ast.FuncDecl{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	var scan func(fd *ast.FuncDecl, fsName string, seen map[string]bool, out map[string]bool)
	scan = func(fd *ast.FuncDecl, fsName string, seen map[string]bool, out map[string]bool) {
		if fd == nil || seen[fd.Name.Name] {
			return
		}
		seen[fd.Name.Name] = true
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == fsName && flagMethods[sel.Sel.Name] {
					arg := 0
					if strings.HasSuffix(sel.Sel.Name, "Var") {
						arg = 1
					}
					if len(call.Args) > arg {
						if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							name, _ := strconv.Unquote(lit.Value)
							out[name] = true
						}
					}
				}
			}
			if id, ok := call.Fun.(*ast.Ident); ok {
				callee := funcs[id.Name]
				for i, a := range call.Args {
					if ai, ok := a.(*ast.Ident); ok && ai.Name == fsName && callee != nil {
						if p := paramName(callee, i); p != "" {
							scan(callee, p, seen, out)
						}
					}
				}
			}
			return true
		})
	}
	return func(fn string) []string {
		out := map[string]bool{}
		scan(funcs[fn], "fs", map[string]bool{}, out)
		var names []string
		for n := range out {
			names = append(names, n)
		}
		sort.Strings(names)
		return names
	}
}

// paramName returns the name of fd's i-th parameter.
func paramName(fd *ast.FuncDecl, i int) string {
	k := 0
	for _, f := range fd.Type.Params.List {
		for _, n := range f.Names {
			if k == i {
				return n.Name
			}
			k++
		}
	}
	return ""
}

// TestHelp checks every command's -h: exit status 0, a usage line, the
// command's every flag described (as --name), and examples; and that the
// top-level usage lists every command and documents the exit statuses.
func TestHelp(t *testing.T) {
	out, _, code := runCmd(t, nil, "-h")
	if code != 0 {
		t.Errorf("wws -h: exit %d", code)
	}
	for sub := range subcommands {
		if !strings.Contains(out, "\n  wws "+sub+" ") {
			t.Errorf("wws -h does not list %s:\n%s", sub, out)
		}
	}
	if !strings.Contains(out, "Exit status: 0 success, 1 a SOAP fault was received (call), 2 any other failure.") {
		t.Errorf("wws -h does not document the exit statuses:\n%s", out)
	}
	if _, errs, code := runCmd(t, nil); code != 2 || !strings.Contains(errs, "Usage:") {
		t.Errorf("wws without a command: exit %d, %q; want 2 and the usage", code, errs)
	}
	if _, errs, code := runCmd(t, nil, "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("wws frobnicate: exit %d, %q; want 2", code, errs)
	}

	flagsOf := candidateFlags(t)
	for sub, fn := range subcommands {
		t.Run(sub, func(t *testing.T) {
			for _, h := range []string{"-h", "--help"} {
				stdout, help, code := runCmd(t, nil, sub, h)
				if code != 0 || stdout != "" {
					t.Errorf("wws %s %s: exit %d, stdout %q; want 0 and the help on standard error", sub, h, code, stdout)
				}
				if !strings.HasPrefix(help, "Usage: wws "+sub) {
					t.Errorf("wws %s %s does not start with its usage line:\n%s", sub, h, help)
				}
			}
			_, help, _ := runCmd(t, nil, sub, "-h")
			var problems []string
			if !strings.Contains(help, "\nExamples:\n") {
				problems = append(problems, "no Examples section")
			}
			candidates := flagsOf(fn)
			if len(candidates) == 0 && sub != "demo" {
				t.Errorf("found no flags of %s in the source: is %s still its function?", sub, fn)
			}
			for _, name := range candidates {
				// Ask the command whether it has the flag: an undefined
				// one fails the parse before -h is reached.
				_, errs, _ := runCmd(t, nil, sub, "--"+name+"=1", "-h")
				if strings.Contains(errs, "flag provided but not defined") {
					continue
				}
				if !strings.Contains(help, "--"+name) {
					problems = append(problems, "flag --"+name+" is not described")
				}
			}
			for _, p := range problems {
				if helpGaps[sub] == p {
					t.Logf("known gap: wws %s -h: %s", sub, p)
					continue
				}
				t.Errorf("wws %s -h: %s:\n%s", sub, p, help)
			}
			if gap, ok := helpGaps[sub]; ok && !contains(problems, gap) {
				t.Errorf("wws %s -h no longer has the gap %q: remove it from helpGaps", sub, gap)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
