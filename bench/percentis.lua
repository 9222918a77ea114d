-- Relatório do wrk em linhas "BENCH chave valor" para o run.py ler.
-- O --latency do wrk só mostra 50/75/90/99%; a meta é p95, então vem daqui.

function relatorio(summary, latency)
  local e = summary.errors
  io.write(string.format("BENCH requisicoes %d\n", summary.requests))
  io.write(string.format("BENCH duracao_us %d\n", summary.duration))
  io.write(string.format("BENCH erros_status %d\n", e.status))
  io.write(string.format("BENCH erros_socket %d\n", e.connect + e.read + e.write + e.timeout))
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("BENCH p%d_us %d\n", p, latency:percentile(p)))
  end
end

function done(summary, latency, requests)
  relatorio(summary, latency)
end
