use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub n: i64,
    pub status: String,
    pub progress: f64,
    pub phase: Option<String>,
    pub digit: Option<i16>,
    pub error: Option<String>,
    pub attempt: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub lost_runs: i32,
    /// The ten digit counts of a done task, comma-separated.
    pub digit_counts: Option<String>,
    /// What a computed task's digits were checked against, as JSON.
    pub verification: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::task_event::Entity")]
    Events,
}

impl Related<super::task_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Events.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
