// loadgen drives the zb test shapes (monolithic push, chunk-streamed push, pull; 1/10/100 MB
// blobs) against any OCI registry, following upload Locations exactly as returned (query
// included). zb v2.1.20 drops the Location query, which distribution v3 needs for its `_state`
// token, so zb's push and pull tests cannot run against distribution; this tool can.
//
// Usage: loadgen -c 10 -n 100 [-t regex] http://127.0.0.1:5000
// Output: one JSON line per test: {"name","requests","errors","rps","p50ms","p99ms"}.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const MiB = 1024 * 1024

var (
	client  = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}
	base    string
	blobs   = map[int][]byte{}
	digests = map[int]string{}
	seq     atomic.Int64
)

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func resolve(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	b, _ := url.Parse(base)
	return b.ResolveReference(u).String()
}

func addQuery(loc, k, v string) string {
	u, _ := url.Parse(loc)
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

func do(method, u string, body []byte, headers map[string]string, want int) (*http.Response, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, r)
	if body != nil {
		req.ContentLength = int64(len(body))
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != want {
		return nil, nil, fmt.Errorf("%s %s: %d (want %d) %s", method, u, resp.StatusCode, want, string(data))
	}
	return resp, data, nil
}

func pushBlob(repo string, blob []byte, digest string, chunked bool) error {
	resp, _, err := do("POST", base+"/v2/"+repo+"/blobs/uploads/", nil, nil, 202)
	if err != nil {
		return err
	}
	loc := resolve(resp.Header.Get("Location"))
	oct := map[string]string{"Content-Type": "application/octet-stream"}
	if chunked {
		resp, _, err = do("PATCH", loc, blob, oct, 202)
		if err != nil {
			return err
		}
		loc = resolve(resp.Header.Get("Location"))
		_, _, err = do("PUT", addQuery(loc, "digest", digest), nil, nil, 201)
		return err
	}
	_, _, err = do("PUT", addQuery(loc, "digest", digest), blob, oct, 201)
	return err
}

// pushImage pushes layer + random config + manifest (tag) like zb's pushMonolithImage.
func pushImage(repo, tag string, size int, chunked bool) error {
	if err := pushBlob(repo, blobs[size], digests[size], chunked); err != nil {
		return err
	}
	cfg := []byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","n":%d}`, seq.Add(1)))
	if err := pushBlob(repo, cfg, digestOf(cfg), chunked); err != nil {
		return err
	}
	m, _ := json.MarshalIndent(map[string]any{
		"schemaVersion": 2,
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digestOf(cfg), "size": len(cfg)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digests[size], "size": size}},
	}, "", "\t")
	_, _, err := do("PUT", base+"/v2/"+repo+"/manifests/"+tag, m, map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, 201)
	return err
}

func pull(repo, tag string) error {
	mu := base + "/v2/" + repo + "/manifests/" + tag
	accept := map[string]string{"Accept": "application/vnd.oci.image.manifest.v1+json"}
	if _, _, err := do("HEAD", mu, nil, accept, 200); err != nil {
		return err
	}
	_, body, err := do("GET", mu, nil, accept, 200)
	if err != nil {
		return err
	}
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return err
	}
	ds := []string{m.Config.Digest}
	for _, l := range m.Layers {
		ds = append(ds, l.Digest)
	}
	for _, d := range ds {
		bu := base + "/v2/" + repo + "/blobs/" + d
		if _, _, err := do("HEAD", bu, nil, nil, 200); err != nil {
			return err
		}
		if _, _, err := do("GET", bu, nil, nil, 200); err != nil {
			return err
		}
	}
	return nil
}

type test struct {
	name string
	run  func(i int) error
	prep func() error
}

func randomSize(p []float64) int {
	var b [1]byte
	rand.Read(b[:])
	x := float64(b[0]) / 256
	sizes := []int{MiB, 10 * MiB, 100 * MiB}
	acc := 0.0
	for i, v := range p {
		acc += v
		if x < acc {
			return sizes[i]
		}
	}
	return sizes[len(sizes)-1]
}

func main() {
	c := flag.Int("c", 10, "concurrency")
	n := flag.Int("n", 100, "requests per test")
	filter := flag.String("t", "", "regex of tests to run")
	flag.Parse()
	base = flag.Arg(0)
	for _, s := range []int{MiB, 10 * MiB, 100 * MiB} {
		b := make([]byte, s)
		rand.Read(b[:4096])
		blobs[s] = b
		digests[s] = digestOf(b)
	}
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	repo := func(i int) string { return fmt.Sprintf("loadgen/%s/r%d", run, i) }
	pullRepo := func(size int) string { return fmt.Sprintf("loadgen/%s/pull%d", run, size) }
	mixed := []float64{0.2, 0.7, 0.1}
	tests := []test{}
	for _, s := range []int{MiB, 10 * MiB, 100 * MiB} {
		s := s
		tests = append(tests, test{name: fmt.Sprintf("Push Monolith %dMB", s/MiB), run: func(i int) error { return pushImage(repo(i), "t", s, false) }})
	}
	for _, s := range []int{MiB, 10 * MiB, 100 * MiB} {
		s := s
		tests = append(tests, test{name: fmt.Sprintf("Push Chunk Streamed %dMB", s/MiB), run: func(i int) error { return pushImage(repo(i), "t", s, true) }})
	}
	for _, s := range []int{MiB, 10 * MiB, 100 * MiB} {
		s := s
		tests = append(tests, test{
			name: fmt.Sprintf("Pull %dMB", s/MiB),
			prep: func() error { return pushImage(pullRepo(s), "t", s, false) },
			run:  func(i int) error { return pull(pullRepo(s), "t") },
		})
	}
	tests = append(tests,
		test{name: "Pull Mixed 20% 1MB, 70% 10MB, 10% 100MB", run: func(i int) error { return pull(pullRepo(randomSize(mixed)), "t") }},
		test{name: "Push Monolith Mixed 20% 1MB, 70% 10MB, 10% 100MB", run: func(i int) error { return pushImage(repo(i), "t", randomSize(mixed), false) }},
		test{name: "Push Chunk Mixed 33% 1MB, 33% 10MB, 33% 100MB", run: func(i int) error {
			return pushImage(repo(i), "t", randomSize([]float64{0.34, 0.33, 0.33}), true)
		}},
	)
	for _, s := range []int{MiB, 10 * MiB, 100 * MiB} {
		s := s
		tests = append(tests, test{name: fmt.Sprintf("Pull 75%% and Push 25%% Mixed %dMB", s/MiB), run: func(i int) error {
			if randomSize([]float64{0.75, 0.25, 0}) == MiB {
				return pull(pullRepo(s), "t")
			}
			return pushImage(repo(i), "t", s, false)
		}})
	}
	re := regexp.MustCompile(*filter)
	enc := json.NewEncoder(os.Stdout)
	for _, t := range tests {
		if !re.MatchString(t.name) {
			continue
		}
		if t.prep != nil {
			if err := t.prep(); err != nil {
				fmt.Fprintln(os.Stderr, t.name, "setup:", err)
			}
		}
		var next atomic.Int64
		var errs atomic.Int64
		lat := make([]time.Duration, *n)
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < *c; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= *n {
						return
					}
					t0 := time.Now()
					if err := t.run(i); err != nil {
						errs.Add(1)
						if errs.Load() <= 3 {
							fmt.Fprintln(os.Stderr, t.name, err)
						}
					}
					lat[i] = time.Since(t0)
				}
			}()
		}
		wg.Wait()
		total := time.Since(start)
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		enc.Encode(map[string]any{
			"name": t.name, "requests": *n, "errors": errs.Load(),
			"rps":   float64(*n) / total.Seconds(),
			"p50ms": ms(lat[*n/2]), "p99ms": ms(lat[*n*99/100]),
		})
	}
}
