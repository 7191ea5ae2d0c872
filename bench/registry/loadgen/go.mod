module wharf.local/bench/registry/loadgen

go 1.21
