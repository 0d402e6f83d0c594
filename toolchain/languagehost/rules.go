package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// rules is python_environment.py, started on the first request and then kept for the host's
// lifetime, answering one request at a time: a CLI command asks two or three things of each host.
type rules struct {
	python, file string

	mu     sync.Mutex // one request at a time
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *lockedBuffer // what it printed to stderr since its last request began
	// The running process, for kill, which must not wait for a request to end.
	process atomic.Pointer[os.Process]
}

// program is the ProgramInfo python_environment.py reads.
type program struct {
	Root       string         `json:"root"`
	ProgramDir string         `json:"program_dir"`
	Options    map[string]any `json:"options"`
}

func programOf(info *pulumirpc.ProgramInfo) program {
	p := program{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory(), Options: map[string]any{}}
	if info.GetOptions() != nil {
		p.Options = info.GetOptions().AsMap()
	}
	return p
}

type request struct {
	Info       program           `json:"info"`
	IsPlugin   bool              `json:"is_plugin,omitempty"`
	Transitive bool              `json:"transitive,omitempty"`
	Env        map[string]string `json:"env,omitempty"`
}

// event is one line python_environment.py prints: output of a step, then its result or its error.
type event struct {
	Write  string          `json:"write"`
	Data   []byte          `json:"data"`
	Result json.RawMessage `json:"result"`
	Error  *string         `json:"error"`
}

func (r *rules) start() error {
	// -I -S: the rules need only the standard library, and no user setting changes how they run.
	// Imported, not run as a script, so its bytecode is cached.
	cmd := exec.Command(r.python, "-I", "-S", "-c",
		"import sys; sys.path.insert(0, sys.argv[1]); import python_environment; sys.exit(python_environment.main())",
		filepath.Dir(r.file))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	r.stderr = &lockedBuffer{}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the language host's rules (%s %s): %w", r.python, r.file, err)
	}
	r.cmd, r.stdin, r.lines = cmd, stdin, bufio.NewScanner(stdout)
	r.lines.Buffer(nil, 1<<30)
	r.process.Store(cmd.Process)
	return nil
}

// kill ends the process at once, whatever it is doing (the host is stopping).
func (r *rules) kill() {
	if process := r.process.Load(); process != nil {
		_ = process.Kill()
	}
}

// stop ends the process (when a request was cancelled or it failed); the next request starts another.
func (r *rules) stop() {
	if r.cmd != nil {
		r.stdin.Close()
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
		r.process.Store(nil)
	}
}

// send writes a request line to the process, started if there is none; a process found gone
// before it took the request (it died while idle) is replaced once.
func (r *rules) send(line []byte) error {
	for attempt := 0; ; attempt++ {
		if r.cmd == nil {
			if err := r.start(); err != nil {
				return err
			}
		}
		r.stderr.Reset()
		_, err := r.stdin.Write(line)
		if err == nil {
			return nil
		}
		r.stop()
		if attempt == 1 {
			return fmt.Errorf("the language host's rules (%s) stopped: %w", r.file, err)
		}
	}
}

// ask has python_environment.py answer one operation, passing each piece of output it streams to
// write (when not nil), and decodes its result into result.
func (r *rules) ask(ctx context.Context, operation string, req request, write func(stream string, data []byte),
	result any,
) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	line, err := json.Marshal(struct {
		Operation string  `json:"operation"`
		Request   request `json:"request"`
	}{operation, req})
	if err != nil {
		return err
	}
	if err := r.send(append(line, '\n')); err != nil {
		return err
	}
	// A request the engine gives up on (a cancelled command) ends the process answering it.
	process := r.cmd.Process
	defer context.AfterFunc(ctx, func() { _ = process.Kill() })()
	for r.lines.Scan() {
		var e event
		if err := json.Unmarshal(r.lines.Bytes(), &e); err != nil {
			continue // not ours: nothing else writes there, but a stray line must not end the request
		}
		if e.Write != "" {
			if write != nil {
				write(e.Write, e.Data)
			}
			continue
		}
		if e.Error != nil {
			return errors.New(*e.Error) // what the rules refused, worded for the user
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(e.Result, result)
	}
	stderr := strings.TrimSpace(r.stderr.String())
	r.stop()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("the language host's rules (%s) failed answering %s: %s", r.file, operation, stderr)
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}
