"""Benchmarks do portal (fora da suíte de testes). Ver bench/README.md."""
