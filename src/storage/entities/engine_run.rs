use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "engine_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub digits: i64,
    pub threads: i32,
    pub work: f64,
    pub seconds: f64,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
