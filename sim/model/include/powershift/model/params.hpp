#pragma once
// Model parameters (docs/model.md gives each one's equation, YAML name and default).

namespace powershift {

struct CombatParams {
  double alpha = 0.0106;   // model.combat.alpha: base kill rate per unit of firepower and day
  double intensity = 0.1;  // model.combat.intensity (iota): fraction of a day spent fighting
  double s_ref = 3000.0;   // model.combat.s_ref: reference strength of the linear law
  double noise = 0.3;      // model.combat.noise: sd of log-normal noise on losses
  double fight_threshold =
      0.3;  // model.combat.fight_threshold: hostility x aggressiveness where fighting begins
  double fight_full =
      0.6;              // model.combat.fight_full: hostility x aggressiveness of full engagement
  double accept = 0.5;  // model.combat.accept: friendly share below which irregulars decline
  double leak = 0.1;    // model.combat.leak: fraction of fire exchanged when declining
};

struct ControlParams {
  double gamma = 2.0;          // model.control.gamma: contest exponent
  double theta = 0.002;        // model.control.theta: policing requirement per inhabitant
  double zeta = 0.1;           // model.control.zeta: control relaxation rate per day
  double sigma = 1.0;          // model.control.sigma: legitimacy weight of support
  double zeta_support = 0.01;  // model.control.zeta_support: support relaxation rate per day
  double harm = 20.0;          // model.control.harm: support lost per casualty per inhabitant
  double alliance_threshold =
      0.5;  // model.control.alliance_threshold: Rel >= this joins coalitions
};

struct DecideParams {
  double h_ref = 300.0;     // model.decide.h_ref: strength increment valued by the actor
  int max_exchanges = 10;   // model.decide.max_exchanges: target moves per decision
  double move_cost = 0.05;  // model.decide.move_cost: cost per travel day (best-gain units)
  double beta_scale = 4.0;  // model.decide.beta_scale: scale of rationality beta
  double k_cost = 0.1;      // model.decide.k_cost: distance cost weight
  double k_risk = 0.2;      // model.decide.k_risk: hostile-power risk weight
};

struct MoraleParams {
  double kappa = 3.0;            // model.morale.kappa: morale change per exchange-ratio difference
  double recovery = 0.05;        // model.morale.recovery: daily recovery toward 1 out of combat
  double break_threshold = 0.3;  // model.morale.break_threshold
  double p_retreat = 0.6;        // model.morale.p_retreat: broken unit retreats
  double p_disband = 0.3;        // model.morale.p_disband: broken unit disbands (else defects)
};

struct EconomyParams {
  double budget_days = 90.0;  // model.economy.budget_days: starting budget in days of upkeep
  double d_ref = 500.0;       // model.economy.d_ref: km at which upkeep doubles
  double territory_fraction =
      0.5;                   // model.economy.territory_fraction: max share of income from ground
  double tau_budget = 30.0;  // model.economy.tau_budget: days to spend a surplus
  double recruit_rate = 2.0e-6;  // model.economy.recruit_rate: recruits per supporter per day
  double recruit_cost = 30.0;    // model.economy.recruit_cost: budget per recruit
  double demob_rate = 0.05;      // model.economy.demob_rate: demobilisation per unit deficit
};

struct RelationsParams {
  bool enabled = false;        // model.relations.enabled
  double threat_rate = 0.001;  // model.relations.threat_rate: drift together under common threat
  double clash_rate = 0.01;    // model.relations.clash_rate: drift apart per clash casualty share
};

struct AirParams {
  double ad_ref = 1000.0;  // model.air.ad_ref: hostile air defence that halves air fire delivered
};

struct ValueWeights {
  double capital = 2.0;
  double port = 0.5;
  double airbase = 0.5;
  double oil = 2.0;
  double border = 0.5;
};

struct ModelParams {
  CombatParams combat;
  ControlParams control;
  DecideParams decide;
  MoraleParams morale;
  EconomyParams economy;
  RelationsParams relations;
  AirParams air;
  ValueWeights value_weights;
};

}  // namespace powershift
