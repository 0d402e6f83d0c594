// Command sdkgen writes the TypeScript, Go and Python SDKs of the gitlab-tokens package from its
// schema, with Pulumi's own code generators called as a library (the codegen/nodejs, codegen/go
// and codegen/python packages of the module the pinned CLI is built from), not through
// `pulumi package gen-sdk`, which would need each language's host.
//
// Usage: sdkgen SCHEMA_JSON OUT_DIR   (writes OUT_DIR/nodejs, OUT_DIR/go and OUT_DIR/python, replacing them)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool names the generator in the "do not edit" banner of every generated file.
const tool = "pulumi-gitlab-tokens sdkgen"

// noReferences is the loader the generators are given: the schema is self-contained, so a
// request for another package is a schema error, reported with the package it named.
type noReferences struct{}

func refused(name string) error {
	return fmt.Errorf("the schema refers to the package %q; a gitlab-tokens schema must be self-contained", name)
}

func (noReferences) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, refused(pkg)
}

func (noReferences) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refused(d.Name)
}

func (noReferences) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refused(pkg)
}

func (noReferences) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, refused(d.Name)
}

// bind reads and validates the schema (against Pulumi's metaschema, as `pulumi package gen-sdk`
// does). Each generator gets its own binding: each records their language settings on the package.
func bind(path string) (*schema.Package, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s is not a package schema: %w", path, err)
	}
	if spec.Version == "" {
		return nil, errors.New("the schema has no version; the SDKs' package.json and go.mod are versioned from it")
	}
	// Packed SDKs: a Go SDK that is its own module (with a go.mod) and an npm package whose
	// version is the schema's, so both can be used from a directory without a publishing step.
	if spec.Meta == nil {
		spec.Meta = &schema.MetadataSpec{}
	}
	spec.Meta.SupportPack = true
	pkg, diags, err := schema.BindSpec(spec, noReferences{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("the schema does not bind: %s", diags.Error())
	}
	return pkg, nil
}

// write replaces dir with files (paths relative to dir).
func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, content := range files {
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func generate(schemaPath, out string) error {
	pkg, err := bind(schemaPath)
	if err != nil {
		return err
	}
	// localSDK: the npm package a directory install builds itself (a postinstall script runs tsc),
	// as `pulumi package add` writes one; nothing of it is published.
	files, err := nodejs.GeneratePackage(tool, pkg, nil, nil, true, noReferences{})
	if err != nil {
		return fmt.Errorf("TypeScript SDK: %w", err)
	}
	if err := write(filepath.Join(out, "nodejs"), files); err != nil {
		return err
	}

	if pkg, err = bind(schemaPath); err != nil {
		return err
	}
	if files, err = gogen.GeneratePackage(tool, pkg, nil); err != nil {
		return fmt.Errorf("go SDK: %w", err)
	}
	if err := write(filepath.Join(out, "go"), files); err != nil {
		return err
	}

	if pkg, err = bind(schemaPath); err != nil {
		return err
	}
	if files, err = python.GeneratePackage(tool, pkg, nil, noReferences{}); err != nil {
		return fmt.Errorf("python SDK: %w", err)
	}
	return write(filepath.Join(out, "python"), files)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sdkgen SCHEMA_JSON OUT_DIR")
		os.Exit(2)
	}
	if err := generate(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}
