package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/subgate/subgate/internal/workload"
	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/policy"
)

// sdkAppID is the app the console events are sent for.
const sdkAppID = "1400000001"

// deployment is a function as make package zips it, once for each platform, and unpacked as a
// platform unpacks it: a folder holding the binary (SCF's main, Lambda's bootstrap) and the policy
// with its index.
type deployment struct {
	name              string
	scfDir, lambdaDir string
	scfZip, lambdaZip string
	// env is the function's SUBGATE_* environment (nil for a hello world).
	env map[string]string
	// folder says what the folders are: a read-only mount, or a writable folder.
	folder string
}

// fixtures is everything the measurements run.
type fixtures struct {
	hello, example, text, yaml, million *deployment
	// As information: the 100,000-entry list (file and YAML) without its index, the 1,000,000-entry
	// list on a writable folder (its files read onto the heap, as the HTTP server run from dist/
	// reads them), and the function of a live policy (no policy file: it fetches its bundle).
	textBare, yamlBare, millionWritable, live *deployment
	// notReadOnly is why the folders that should be a read-only mount are not ("" when they are).
	notReadOnly string

	// The console events (deploy/events): the sample request, and the same events carrying
	// workload.LargeRequest's 100 subscribers.
	scfSample, scfLarge, lambdaSample, lambdaLarge []byte
	// largeRefused are the subscribers the large list refuses in the large request.
	largeRefused []string
	// bundles are two bundles of the 100,000-entry list, of different revisions (the second
	// list has one comment line more), that the live policy alternates between.
	bundles [2][]byte
	sizes   []sizeRow
	// millionPolicy is the 1,000,000-entry list's policy file; millionBundles, two bundles of it
	// of different revisions, made for the live part only.
	millionPolicy  string
	millionBundles [2][]byte
	// The functions' memory, in MB, as serverless.yml and template.yaml set it.
	scfMemoryMB, lambdaMemoryMB int
}

type sizeRow struct {
	what  string
	bytes int64
	limit int64 // the goal: under limit bytes (0: none)
}

// prepare builds subgate's functions and the hello worlds for this machine as make package builds
// them, zips each with deploy/pack, and unpacks each zip as the clouds do: without its dates (every
// file dated now) into a folder that is then bind-mounted read-only, as a Lambda or SCF code folder
// is. Where it may not mount (not root, no mount(8)), the folders stay writable and fx.notReadOnly
// says why. The mount is undone when h closes.
func prepare(h *harness, tmp string) (*fixtures, error) {
	bin := filepath.Join(tmp, "bin")
	scf, lambda, helloSCF, helloLambda, pack :=
		filepath.Join(bin, "scf"), filepath.Join(bin, "lambda"), filepath.Join(bin, "hello-scf"), filepath.Join(bin, "hello-lambda"), filepath.Join(bin, "pack")
	ldflags := "-s -w" // make package's GO_LDFLAGS, without the version
	for _, args := range [][]string{
		{"build", "-trimpath", "-ldflags", ldflags, "-o", scf, "./functions/scf"},
		{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", ldflags, "-o", lambda, "./functions/lambda"},
		{"build", "-trimpath", "-ldflags", ldflags, "-o", helloSCF, "./bench/hello/scf"},
		{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", ldflags, "-o", helloLambda, "./bench/hello/lambda"},
		{"build", "-o", pack, "./deploy/pack"},
	} {
		if err := goCmd(args...); err != nil {
			return nil, err
		}
	}

	src := filepath.Join(tmp, "policies")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	textPolicy, yamlPolicy, err := workload.WritePolicies(src)
	if err != nil {
		return nil, err
	}
	millionPolicy, err := workload.WriteMillionPolicy(src)
	if err != nil {
		return nil, err
	}

	fx := &fixtures{millionPolicy: millionPolicy}
	if fx.scfMemoryMB, fx.lambdaMemoryMB, err = deploymentMemory("."); err != nil {
		return nil, err
	}
	// readOnly is the folder bind-mounted read-only once every deployment is unpacked into it.
	readOnly, writable := filepath.Join(tmp, "read-only"), filepath.Join(tmp, "writable")
	n := 0
	lay := func(name, scfBin, lambdaBin, policyFile string, env map[string]string, under string) (*deployment, error) {
		n++
		d := &deployment{name: name, env: env,
			scfDir: filepath.Join(under, fmt.Sprintf("d%02d-scf", n)), scfZip: filepath.Join(tmp, fmt.Sprintf("d%02d-scf.zip", n)),
			lambdaDir: filepath.Join(under, fmt.Sprintf("d%02d-lambda", n)), lambdaZip: filepath.Join(tmp, fmt.Sprintf("d%02d-lambda.zip", n))}
		for _, out := range []struct{ dir, zip, entry string }{
			{d.scfDir, d.scfZip, "main=" + scfBin}, {d.lambdaDir, d.lambdaZip, "bootstrap=" + lambdaBin},
		} {
			args := []string{"-o", out.zip, "-x", out.entry}
			if policyFile != "" {
				args = append(args, "-policy", policyFile)
			}
			cmd := exec.Command(pack, args...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return nil, fmt.Errorf("pack %s: %w", strings.Join(args, " "), err)
			}
			if err := unpack(out.zip, out.dir); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	withPolicy := map[string]string{"SUBGATE_SDKAPPID": sdkAppID, "SUBGATE_POLICY_FILE": "policy.yaml"}
	for _, c := range []struct {
		into              **deployment
		name, policyFile  string
		scfBin, lambdaBin string
		env               map[string]string
		under             string
	}{
		{&fx.hello, "hello world", "", helloSCF, helloLambda, nil, readOnly},
		{&fx.example, "example policy", "deploy/policy.example.yaml", scf, lambda, withPolicy, readOnly},
		{&fx.text, "100,000-entry list file", textPolicy, scf, lambda, withPolicy, readOnly},
		{&fx.yaml, "100,000 entries in the YAML", yamlPolicy, scf, lambda, withPolicy, readOnly},
		{&fx.million, "1,000,000-entry list file", millionPolicy, scf, lambda, withPolicy, readOnly},
		{&fx.textBare, "100,000-entry list file, no index", textPolicy, scf, lambda, withPolicy, readOnly},
		{&fx.yamlBare, "100,000 entries in the YAML, no index", yamlPolicy, scf, lambda, withPolicy, readOnly},
		{&fx.millionWritable, "1,000,000-entry list file, writable folder", millionPolicy, scf, lambda, withPolicy, writable},
		{&fx.live, "100,000-entry bundle from the store", "", scf, lambda, nil, readOnly}, // its environment is the store's
	} {
		if *c.into, err = lay(c.name, c.scfBin, c.lambdaBin, c.policyFile, c.env, c.under); err != nil {
			return nil, err
		}
		(*c.into).folder = "read-only mount"
		if c.under == writable {
			(*c.into).folder = "writable"
		}
	}
	for _, d := range []*deployment{fx.textBare, fx.yamlBare} {
		for _, dir := range []string{d.scfDir, d.lambdaDir} {
			if err := os.Remove(filepath.Join(dir, "policy.yaml"+policy.IndexSuffix)); err != nil {
				return nil, err
			}
		}
	}
	unmount, err := mountReadOnly(readOnly)
	if err != nil {
		fx.notReadOnly = err.Error()
		fmt.Fprintf(os.Stderr, "bench: the functions run from a writable folder, not a read-only one as on the clouds: %v\n", err)
		for _, d := range []*deployment{fx.hello, fx.example, fx.text, fx.yaml, fx.million, fx.textBare, fx.yamlBare, fx.live} {
			d.folder = "writable (see above)"
		}
	} else {
		h.Cleanup(unmount)
	}

	if err := fx.events(); err != nil {
		return nil, err
	}
	if err := fx.makeBundles(textPolicy); err != nil {
		return nil, err
	}

	const lambdaDirectUpload = 50_000_000 // Lambda's limit for a zip uploaded directly (50 MB)
	for _, s := range []struct {
		what, path string
		limit      int64
	}{
		{"SCF zip, example policy", fx.example.scfZip, 0},
		{"Lambda zip, example policy", fx.example.lambdaZip, 0},
		{"SCF zip, 100,000-entry list file (list + index)", fx.text.scfZip, 0},
		{"Lambda zip, 100,000-entry list file (list + index)", fx.text.lambdaZip, 0},
		{"Lambda zip, 100,000 entries in the YAML (YAML + index)", fx.yaml.lambdaZip, 0},
		{"SCF zip, 1,000,000-entry list file (list + index)", fx.million.scfZip, 0},
		{"Lambda zip, 1,000,000-entry list file (list + index)", fx.million.lambdaZip, lambdaDirectUpload},
		{"SCF function main, unzipped", scf, 0},
		{"hello world, scf-go-lib, unzipped", helloSCF, 0},
		{"Lambda bootstrap, unzipped", lambda, 0},
		{"hello world, aws-lambda-go, unzipped", helloLambda, 0},
	} {
		info, err := os.Stat(s.path)
		if err != nil {
			return nil, err
		}
		fx.sizes = append(fx.sizes, sizeRow{s.what, info.Size(), s.limit})
	}
	fx.sizes = append(fx.sizes, sizeRow{"bundle of the 100,000-entry list (live policy)", int64(len(fx.bundles[0])), 0})
	for _, d := range []*deployment{fx.million} {
		for _, file := range []string{"million.txt", "policy.yaml" + policy.IndexSuffix} {
			info, err := os.Stat(filepath.Join(d.lambdaDir, file))
			if err != nil {
				return nil, err
			}
			fx.sizes = append(fx.sizes, sizeRow{"1,000,000-entry list: " + file + ", unzipped", info.Size(), 0})
		}
	}
	return fx, nil
}

// events reads the console events and makes their large versions.
func (fx *fixtures) events() error {
	var err error
	if fx.scfSample, err = os.ReadFile("deploy/events/scf-function-url.json"); err != nil {
		return err
	}
	if fx.lambdaSample, err = os.ReadFile("deploy/events/lambda-http-api.json"); err != nil {
		return err
	}
	body, refused := workload.LargeRequest()
	fx.largeRefused = refused
	if fx.scfLarge, err = withBody(fx.scfSample, body); err != nil {
		return err
	}
	fx.lambdaLarge, err = withBody(fx.lambdaSample, body)
	return err
}

// makeBundles makes the two bundles of the 100,000-entry list.
func (fx *fixtures) makeBundles(textPolicy string) error {
	var err error
	if fx.bundles[0], err = bundle.Make(textPolicy, time.Now()); err != nil {
		return err
	}
	dir := filepath.Join(filepath.Dir(textPolicy), "republished")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	list, err := os.ReadFile(filepath.Join(filepath.Dir(textPolicy), "deny.txt"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "deny.txt"), append(list, "# republished\n"...), 0o644); err != nil {
		return err
	}
	policyText, err := os.ReadFile(textPolicy)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), policyText, 0o644); err != nil {
		return err
	}
	fx.bundles[1], err = bundle.Make(filepath.Join(dir, "policy.yaml"), time.Now())
	if err == nil && bytes.Equal(fx.bundles[0], fx.bundles[1]) {
		err = fmt.Errorf("the two bundles are the same")
	}
	return err
}

// withBody returns an HTTP event with its body replaced.
func withBody(event, body []byte) ([]byte, error) {
	var e map[string]any
	if err := json.Unmarshal(event, &e); err != nil {
		return nil, err
	}
	e["body"] = string(body)
	return json.Marshal(e)
}

func goCmd(args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// unpack writes the files of the zip into the folder dir, with their modes and without their
// dates (each is dated now), as an unzip that does not keep a zip's dates leaves them.
func unpack(zipFile, dir string) error {
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(path, filepath.Clean(dir)+string(filepath.Separator)) {
			return fmt.Errorf("%s: entry %q is outside the folder", zipFile, f.Name)
		}
		r, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", zipFile, f.Name, err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", zipFile, f.Name, err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, f.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// mountReadOnly bind-mounts dir onto itself read-only, as a Lambda or SCF code folder is read-only,
// and returns what undoes it; or why it cannot (it takes root and mount(8)).
func mountReadOnly(dir string) (unmount func(), err error) {
	if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mount --bind %s: %v %s", dir, err, bytes.TrimSpace(out))
	}
	unmount = func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: umount %s: %v %s\n", dir, err, bytes.TrimSpace(out))
		}
	}
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", dir).CombinedOutput(); err != nil {
		unmount()
		return nil, fmt.Errorf("mount -o remount,bind,ro %s: %v %s", dir, err, bytes.TrimSpace(out))
	}
	probe := filepath.Join(dir, "probe")
	if err := os.WriteFile(probe, nil, 0o644); !errors.Is(err, syscall.EROFS) {
		_ = os.Remove(probe)
		unmount()
		return nil, fmt.Errorf("%s is mounted read-only, but writing into it gave %v, not EROFS", dir, err)
	}
	return unmount, nil
}
