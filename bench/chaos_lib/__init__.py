"""Parts of `bench/chaos.py`: a raw-frame gateway, the fuzzer and the checks it runs."""
