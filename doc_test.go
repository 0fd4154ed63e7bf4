package wws_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// publicPackages returns the directories, relative to the module root,
// of the packages a user imports: every package of this module except
// commands (package main), internal/, the interop test peers, the
// examples, and other modules (bench/).
func publicPackages(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != "." {
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" {
				return filepath.SkipDir
			}
			switch filepath.ToSlash(path) {
			case "internal", "interop", "examples", "cmd":
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		files, _ := filepath.Glob(filepath.Join(path, "*.go"))
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				dirs = append(dirs, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// parsePackage parses the package in dir: its library files, and its
// test files separately.
func parsePackage(t *testing.T, fset *token.FileSet, dir string) (name string, files, tests []*ast.File) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	sort.Strings(paths)
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, "_test.go") {
			tests = append(tests, f)
			continue
		}
		if f.Name.Name == "main" {
			return "main", nil, nil
		}
		name = f.Name.Name
		files = append(files, f)
	}
	return name, files, tests
}

// TestDocComments fails for every exported name of a public package that
// has no doc comment — types, functions, methods, constants, variables,
// the fields of exported struct types and the methods of exported
// interfaces — and for a public package without a package comment or
// without a runnable Example (one with an output comment), so that
// `go doc` reads as a guide for every package.
func TestDocComments(t *testing.T) {
	dirs := publicPackages(t)
	if len(dirs) < 5 {
		t.Fatalf("found only %v: not run from the module root?", dirs)
	}
	for _, dir := range dirs {
		fset := token.NewFileSet()
		name, files, tests := parsePackage(t, fset, dir)
		if name == "main" || len(files) == 0 {
			continue
		}
		pkg := filepath.ToSlash(dir)
		hasDoc := false
		for _, f := range files {
			if f.Doc != nil && strings.HasPrefix(strings.TrimSpace(f.Doc.Text()), "Package "+name) {
				hasDoc = true
			}
		}
		if !hasDoc {
			t.Errorf("%s: no package comment (\"Package %s ...\")", pkg, name)
		}
		runnable := 0
		for _, ex := range doc.Examples(tests...) {
			if ex.Output != "" || ex.EmptyOutput {
				runnable++
			}
		}
		if runnable == 0 {
			t.Errorf("%s: no runnable Example (one with an output comment)", pkg)
		}
		for _, f := range files {
			for _, miss := range undocumented(fset, f) {
				t.Errorf("%s: %s has no doc comment", fset.Position(miss.pos), miss.what)
			}
		}
	}
}

type missing struct {
	pos  token.Pos
	what string
}

// undocumented lists the exported declarations of f without a comment.
// A constant or variable is documented by its own comment (above or at the
// end of its line) or by its group's; a field or interface method by its
// own comment (above or at the end of its line) or by the comment above
// the run of lines it is in: fields listed without a blank line under a
// comment share it.
func undocumented(fset *token.FileSet, f *ast.File) []missing {
	var out []missing
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			what := "func " + d.Name.Name
			if d.Recv != nil {
				recv := receiverName(d.Recv.List[0].Type)
				if !ast.IsExported(recv) {
					continue
				}
				what = "method " + recv + "." + d.Name.Name
			}
			if d.Doc == nil {
				out = append(out, missing{d.Pos(), what})
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if s.Doc == nil && s.Comment == nil && (d.Doc == nil || d.Lparen.IsValid() && len(d.Specs) > 1) {
						out = append(out, missing{s.Pos(), "type " + s.Name.Name})
					}
					switch tt := s.Type.(type) {
					case *ast.StructType:
						out = append(out, undocumentedFields(fset, s.Name.Name, "field", tt.Fields)...)
					case *ast.InterfaceType:
						out = append(out, undocumentedFields(fset, s.Name.Name, "method", tt.Methods)...)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
							out = append(out, missing{n.Pos(), d.Tok.String() + " " + n.Name})
						}
					}
				}
			}
		}
	}
	return out
}

// undocumentedFields lists the exported fields (or interface methods) of
// a list without a comment of their own or of the run they belong to.
func undocumentedFields(fset *token.FileSet, typ, kind string, fields *ast.FieldList) []missing {
	if fields == nil {
		return nil
	}
	var out []missing
	documented := false // the run of lines this field continues has a comment
	prevEnd := 0
	for _, fld := range fields.List {
		own := fld.Doc != nil || fld.Comment != nil
		start := fset.Position(fld.Pos()).Line
		if fld.Doc != nil || prevEnd == 0 || start > prevEnd+1 {
			documented = fld.Doc != nil // a new run starts here
		}
		prevEnd = fset.Position(fld.End()).Line
		if own || documented || len(fld.Names) == 0 {
			continue // an embedded type carries its own documentation
		}
		for _, n := range fld.Names {
			if n.IsExported() {
				out = append(out, missing{n.Pos(), kind + " " + typ + "." + n.Name})
			}
		}
	}
	return out
}

func receiverName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiverName(t.X)
	case *ast.IndexExpr:
		return receiverName(t.X)
	case *ast.IndexListExpr:
		return receiverName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}
