#include "model/fit.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "core/errors.hpp"

namespace collbench {
namespace {

struct Form {
  const char* name;
  double (*steps)(double n);  // alpha's multiplier
  double (*share)(double n);  // beta's multiplier
};

// Ring: n-1 steps, (n-1)/n of the data per rank; tree: log2 n steps, all the data; flat: neither
// grows with the rank count.
const std::array<Form, 3> kForms = {{
    {"ring", [](double n) { return n - 1; }, [](double n) { return (n - 1) / n; }},
    {"tree", [](double n) { return std::log2(n); }, [](double) { return 1.0; }},
    {"flat", [](double) { return 1.0; }, [](double) { return 1.0; }},
}};

const Form& form_named(const std::string& name) {
  for (const Form& f : kForms) {
    if (name == f.name) return f;
  }
  throw UsageError("unknown fit form '" + name + "'");
}

double overload(double n, int cores) {
  return std::max(0.0, n - cores) / cores;
}

// Columns of the least-squares problem: steps, bytes, and both again scaled by how far the ranks
// outnumber the cores (time-slicing stretches every step and every byte).
std::array<double, 4> columns(const Form& f, double n, double bytes, int cores) {
  const double o = overload(n, cores);
  return {f.steps(n), f.share(n) * bytes, f.steps(n) * o, f.share(n) * bytes * o};
}

// Solves the weighted normal equations (A^T W A) x = A^T W y for the columns in use.
std::array<double, 4> least_squares(const std::vector<std::array<double, 4>>& a,
                                    const std::vector<double>& y, const std::vector<double>& w,
                                    std::array<bool, 4> use) {
  std::vector<int> idx;
  for (int j = 0; j < 4; ++j) {
    if (use[j]) idx.push_back(j);
  }
  const std::size_t k = idx.size();
  std::vector<std::vector<double>> m(k, std::vector<double>(k + 1, 0.0));
  for (std::size_t r = 0; r < a.size(); ++r) {
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = 0; j < k; ++j) m[i][j] += w[r] * a[r][idx[i]] * a[r][idx[j]];
      m[i][k] += w[r] * a[r][idx[i]] * y[r];
    }
  }
  for (std::size_t c = 0; c < k; ++c) {  // Gaussian elimination with partial pivoting
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < k; ++r) {
      if (std::fabs(m[r][c]) > std::fabs(m[pivot][c])) pivot = r;
    }
    std::swap(m[c], m[pivot]);
    if (std::fabs(m[c][c]) < 1e-300) continue;
    for (std::size_t r = 0; r < k; ++r) {
      if (r == c) continue;
      const double factor = m[r][c] / m[c][c];
      for (std::size_t j = c; j <= k; ++j) m[r][j] -= factor * m[c][j];
    }
  }
  std::array<double, 4> x{0, 0, 0, 0};
  for (std::size_t i = 0; i < k; ++i)
    x[idx[i]] = std::fabs(m[i][i]) < 1e-300 ? 0 : m[i][k] / m[i][i];
  return x;
}

}  // namespace

std::vector<Measurement1> measurements_from(const std::vector<RunFile>& runs) {
  std::vector<Measurement1> out;
  for (const RunFile& run : runs) {
    for (const ResultRow& r : run.results) {
      if (r.inplace || r.bytes <= 0 || r.time_us <= 0) continue;
      out.push_back({r.collective, r.nranks, static_cast<double>(r.bytes), r.time_us});
    }
  }
  return out;
}

Fit fit_measurements(const std::vector<Measurement1>& rows, int cores) {
  Fit fit;
  fit.cores = std::max(1, cores);
  std::set<std::string> names;
  for (const Measurement1& m : rows) names.insert(m.collective);
  if (names.empty()) throw UsageError("no out-of-place results with a size above zero to fit");
  for (const std::string& name : names) {
    std::vector<const Measurement1*> mine;
    std::set<int> ranks;
    for (const Measurement1& m : rows) {
      if (m.collective == name) {
        mine.push_back(&m);
        ranks.insert(static_cast<int>(m.nranks));
      }
    }
    FittedCollective best;
    best.rel_rms = INFINITY;
    const bool oversubscribed = std::any_of(
        mine.begin(), mine.end(), [&](const Measurement1* m) { return m->nranks > fit.cores; });
    for (const Form& form : kForms) {
      std::vector<std::array<double, 4>> a;
      std::vector<double> y, w;
      for (const Measurement1* m : mine) {
        a.push_back(columns(form, static_cast<double>(m->nranks), m->bytes, fit.cores));
        y.push_back(m->time_us);
        w.push_back(1.0 / (m->time_us * m->time_us));  // relative error
      }
      const std::array<double, 4> x =
          least_squares(a, y, w, {true, true, oversubscribed, oversubscribed});
      double sum = 0;
      for (std::size_t r = 0; r < a.size(); ++r) {
        const double pred = x[0] * a[r][0] + x[1] * a[r][1] + x[2] * a[r][2] + x[3] * a[r][3];
        sum += std::pow((pred - y[r]) / y[r], 2);
      }
      const double rms = std::sqrt(sum / static_cast<double>(a.size()));
      if (rms < best.rel_rms) {
        best = {form.name,
                x[0],
                x[1],
                x[2],
                x[3],
                rms,
                static_cast<int>(a.size()),
                std::vector<int>(ranks.begin(), ranks.end())};
      }
    }
    fit.collectives[name] = best;
  }
  return fit;
}

double Fit::predict_us(const std::string& collective, int64_t nranks, double bytes) const {
  const auto it = collectives.find(collective);
  if (it == collectives.end()) throw UsageError("the fit has no " + collective);
  const FittedCollective& f = it->second;
  const auto c = columns(form_named(f.form), static_cast<double>(nranks), bytes, cores);
  return f.alpha_us * c[0] + f.beta_us_per_byte * c[1] + f.contention_alpha_us * c[2] +
         f.contention_us_per_byte * c[3];
}

nlohmann::json fit_to_json(const Fit& fit) {
  nlohmann::json collectives = nlohmann::json::object();
  for (const auto& [name, f] : fit.collectives) {
    collectives[name] = {{"form", f.form},
                         {"alpha_us", f.alpha_us},
                         {"beta_us_per_byte", f.beta_us_per_byte},
                         {"contention_alpha_us", f.contention_alpha_us},
                         {"contention_us_per_byte", f.contention_us_per_byte},
                         {"rel_rms", f.rel_rms},
                         {"points", f.points},
                         {"ranks", f.ranks}};
  }
  return {
      {"type", "fit"}, {"schema_version", 1}, {"cores", fit.cores}, {"collectives", collectives}};
}

Fit fit_from_json(const nlohmann::json& j, const std::string& path) {
  try {
    if (j.value("type", std::string()) != "fit") throw UsageError(path + ": not a collbench fit");
    Fit fit;
    fit.cores = j.at("cores").get<int>();
    for (const auto& [name, f] : j.at("collectives").items()) {
      FittedCollective c;
      c.form = f.at("form").get<std::string>();
      form_named(c.form);
      c.alpha_us = f.at("alpha_us").get<double>();
      c.beta_us_per_byte = f.at("beta_us_per_byte").get<double>();
      c.contention_alpha_us = f.value("contention_alpha_us", 0.0);
      c.contention_us_per_byte = f.value("contention_us_per_byte", 0.0);
      c.rel_rms = f.value("rel_rms", 0.0);
      fit.collectives[name] = c;
    }
    return fit;
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(path + ": malformed fit (" + std::string(e.what()) + ")");
  }
}

}  // namespace collbench
