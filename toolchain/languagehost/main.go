// Command pulumi-language-python is the Python language host this project installs for the Pulumi CLI.
//
// The CLI runs Python programs and policy packs through a language host: a plugin serving the
// LanguageRuntime gRPC service. Upstream's is a Go program whose module the Go module proxy does
// not serve, so this one stands in for it. It is Go, as upstream's is, because the CLI starts a
// language host twice for every preview or update: a host in Go starts in milliseconds.
//
// Everything that touches the program's Python environment (which toolchain, which python, its
// virtualenv, `pulumi install`, the installed packages and the plugins they need) is decided by
// python_environment.py, installed beside this host and run on the python beside it (rules.go).
// This file serves the protocol and runs the processes those rules name.
// docs/language-host.md says how it follows upstream's host and where it differs.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is the CLI version this host ships with, reported as upstream's host reports its own
// (set at build time by install-pulumi.sh).
var version = "0.0.0"

const (
	execScript = "pulumi-language-python-exec"
	rulesFile  = "python_environment.py"
	// The exec script exits with this code after it has shown the user an actionable error.
	exitAfterUserMessage = 32
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	// python_environment.py, on the python installed beside the host.
	rules *rules
	// The script that runs a program, installed beside the host.
	execScript string
}

func newHost(engineAddress string) *host {
	invoked, _ := filepath.Abs(filepath.Dir(os.Args[0]))
	real := invoked
	if exe, err := os.Executable(); err == nil {
		real = filepath.Dir(exe)
	}
	// Prefer what lies beside the host as invoked (the PATH entry), then beside its real file.
	beside := func(name string) string {
		for _, dir := range []string{invoked, real} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return filepath.Join(dir, name)
			}
		}
		return filepath.Join(invoked, name)
	}
	return &host{engineAddress: engineAddress, rules: &rules{python: beside("python"), file: beside(rulesFile)},
		execScript: beside(execScript)}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// --- discovery ------------------------------------------------------------------------------------

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.mu.Lock()
		h.engineAddress = req.GetEngineAddress()
		h.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	// Superseded by GetRequiredPackages, as upstream's host answers.
	return nil, status.Error(codes.Unimplemented, "GetRequiredPlugins is superseded by GetRequiredPackages")
}

type requiredPlugin struct {
	Name             string `json:"name"`
	Version          string `json:"version"`
	Server           string `json:"server"`
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   []byte `json:"value"` // base64, as pulumi-plugin.json holds it
	} `json:"parameterization"`
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	// Creating a missing virtualenv shows its steps as the engine's ephemeral messages, as upstream's.
	log := newEngineLog(h.engine())
	defer log.close()
	var plugins []requiredPlugin
	if err := h.rules.ask(ctx, "required-plugins", request{Info: programOf(req.GetInfo())}, log.write, &plugins); err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	packages := make([]*pulumirpc.PackageDependency, 0, len(plugins))
	for _, p := range plugins {
		dependency := &pulumirpc.PackageDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server}
		if p.Parameterization != nil {
			dependency.Parameterization = &pulumirpc.PackageParameterization{
				Name: p.Parameterization.Name, Version: p.Parameterization.Version, Value: p.Parameterization.Value,
			}
		}
		packages = append(packages, dependency)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	var about struct{ Executable, Version string }
	if err := h.rules.ask(ctx, "about", request{Info: programOf(req.GetInfo())}, nil, &about); err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	return &pulumirpc.AboutResponse{Executable: about.Executable, Version: about.Version}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	var packages []struct{ Name, Version string }
	err := h.rules.ask(ctx, "dependencies",
		request{Info: programOf(req.GetInfo()), Transitive: req.GetTransitiveDependencies()}, nil, &packages)
	if err != nil {
		return nil, status.Error(codes.Unknown, "failed to get python dependencies: "+err.Error())
	}
	dependencies := make([]*pulumirpc.DependencyInfo, 0, len(packages))
	for _, p := range packages {
		dependencies = append(dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: dependencies}, nil
}

// --- running programs and policy packs -------------------------------------------------------------

// interpreter is the python a program or pack runs on, and its environment (the virtualenv activated).
type interpreter struct {
	Python string            `json:"python"`
	Env    map[string]string `json:"env"`
}

func environ(env map[string]string) []string {
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	return list
}

// joinPath joins as Python's os.path.join does (the exec script is given the same path upstream's is).
func joinPath(dir, name string) string {
	if filepath.IsAbs(name) || dir == "" {
		return name
	}
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	var python interpreter
	if err := h.rules.ask(ctx, "interpreter", request{Info: programOf(req.GetInfo())}, nil, &python); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	config, err := json.Marshal(maps.Collect(maps.All(req.GetConfig()))) // {} when there is none
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(append([]string{}, req.GetConfigSecretKeys()...))
	if err != nil {
		return nil, err
	}
	python.Env["PULUMI_CONFIG"] = string(config)
	python.Env["PULUMI_CONFIG_SECRET_KEYS"] = string(secretKeys)

	program := req.GetProgram()
	if program == "" {
		program = "."
	}
	if info := req.GetInfo(); info.GetProgramDirectory() != "" {
		entry := info.GetEntryPoint()
		if entry == "" {
			entry = "."
		}
		program = joinPath(info.GetProgramDirectory(), entry)
	}
	args := []string{"-u", h.execScript}
	dryRun := "false"
	if req.GetDryRun() {
		dryRun = "true"
	}
	for _, flag := range [][2]string{
		{"monitor", req.GetMonitorAddress()}, {"engine", h.engine()}, {"project", req.GetProject()},
		{"stack", req.GetStack()}, {"pwd", req.GetPwd()}, {"dry_run", dryRun},
		{"parallel", fmt.Sprint(req.GetParallel())}, // always given: the exec script reads it as a number
		{"organization", req.GetOrganization()}, {"root_directory", req.GetInfo().GetRootDirectory()},
	} {
		if flag[1] != "" {
			args = append(args, "--"+flag[0], flag[1])
		}
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	// The program's output goes straight to ours, which the engine shows to the user.
	cmd := exec.Command(python.Python, args...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = environ(python.Env), req.GetPwd(), os.Stdout, os.Stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit) && exit.ExitCode() == exitAfterUserMessage:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exit):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
}

func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, stream pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != "analyzer" {
		return status.Errorf(codes.Unimplemented, "running %s plugins is not supported", req.GetKind())
	}
	var base map[string]string
	for _, entry := range req.GetEnv() {
		if k, v, ok := strings.Cut(entry, "="); ok {
			if base == nil {
				base = map[string]string{}
			}
			base[k] = v
		}
	}
	ctx := stream.Context()
	var python interpreter
	err := h.rules.ask(ctx, "interpreter", request{Info: programOf(req.GetInfo()), IsPlugin: true, Env: base}, nil, &python)
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	packDir := req.GetInfo().GetProgramDirectory()
	if packDir == "" {
		packDir = req.GetPwd()
	}
	args := append(append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...), packDir)
	cmd := exec.CommandContext(ctx, python.Python, args...)
	cmd.Env, cmd.Dir = environ(python.Env), packDir
	var sendErr error
	code, err := runStreaming(cmd, func(name string, data []byte) {
		response := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: data}}
		if name == "stdout" {
			response.Output = &pulumirpc.RunPluginResponse_Stdout{Stdout: data}
		}
		if sendErr == nil {
			sendErr = stream.Send(response)
		}
	})
	if err != nil {
		return status.Error(codes.Unknown, err.Error())
	}
	if sendErr != nil {
		return sendErr
	}
	return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	stream pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	var sendErr error
	write := func(name string, data []byte) {
		if sendErr != nil {
			return
		}
		if name == "stdout" {
			sendErr = stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: data})
		} else {
			sendErr = stream.Send(&pulumirpc.InstallDependenciesResponse{Stderr: data})
		}
	}
	err := h.rules.ask(stream.Context(), "install", request{Info: programOf(req.GetInfo()), IsPlugin: req.GetIsPlugin()},
		write, nil)
	if err != nil {
		return status.Error(codes.Unknown, err.Error())
	}
	return sendErr
}

// runStreaming runs cmd, passing its stdout and stderr line by line to write (one call at a time);
// its exit code.
func runStreaming(cmd *exec.Cmd, write func(stream string, data []byte)) (int, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var pumps sync.WaitGroup
	for name, pipe := range map[string]io.Reader{"stdout": stdout, "stderr": stderr} {
		pumps.Add(1)
		go func() {
			defer pumps.Done()
			lines := bufio.NewReader(pipe)
			for {
				line, err := lines.ReadBytes('\n')
				if len(line) > 0 {
					mu.Lock()
					write(name, line)
					mu.Unlock()
				}
				if err != nil {
					return
				}
			}
		}()
	}
	pumps.Wait()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

// engineLog writes a step's output to the engine as ephemeral messages of one stream, as upstream's
// host does while it creates a virtualenv; without an engine (run by hand), to stderr.
type engineLog struct {
	conn     *grpc.ClientConn
	engine   pulumirpc.EngineClient
	streamID int32
}

func newEngineLog(address string) *engineLog {
	log := &engineLog{streamID: rand.Int32N(1<<31-1) + 1}
	if address == "" {
		return log
	}
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err == nil {
		log.conn, log.engine = conn, pulumirpc.NewEngineClient(conn)
	}
	return log
}

func (l *engineLog) write(stream string, data []byte) {
	if l.engine == nil {
		os.Stderr.Write(data)
		return
	}
	severity := pulumirpc.LogSeverity_ERROR
	if stream == "stdout" {
		severity = pulumirpc.LogSeverity_INFO
	}
	_, _ = l.engine.Log(context.Background(), &pulumirpc.LogRequest{
		Severity: severity, Message: strings.ToValidUTF8(string(data), "\uFFFD"), Ephemeral: true, StreamId: l.streamID,
	})
}

func (l *engineLog) close() {
	if l.conn != nil {
		l.conn.Close()
	}
}

func main() {
	// The engine passes flags (such as -tracing) and then its own address as the last argument.
	engineAddress := ""
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			engineAddress = arg
		}
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(1 << 30))
	h := newHost(engineAddress)
	pulumirpc.RegisterLanguageRuntimeServer(server, h)
	// The engine reads the port from the first line of our output.
	fmt.Println(listener.Addr().(*net.TCPAddr).Port)
	// The engine stops plugins with a signal when it is done: a normal exit, not a crash.
	stopped := make(chan os.Signal, 1)
	signal.Notify(stopped, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stopped
		server.Stop()
		h.rules.kill() // a request still running is abandoned with the host
		os.Exit(0)
	}()
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}
